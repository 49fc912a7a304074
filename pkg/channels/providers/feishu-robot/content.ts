import { z } from 'zod';

/**
 * The content of a Feishu custom bot template (PROVIDERS.md §8.3; the custom-bot guide's
 * 支持发送的消息类型说明). `{ "text": "…" }` is the text shorthand; the other message types name
 * their `type`. Field names are Feishu's own, so a post or card copied from Feishu's docs or its
 * card builder fits as written.
 */

/** Longest request body Feishu takes (the guide: 请求体的数据大小不能超过 20 KB). */
export const MAX_BODY_BYTES = 20 * 1024;

const str = (max: number) => z.string().min(1).max(max);

/** Rich-text nodes the custom-bot guide lists (富文本支持的标签): text, a, at, img. */
const postNode = z.discriminatedUnion('tag', [
  z.object({ tag: z.literal('text'), text: str(MAX_BODY_BYTES), un_escape: z.boolean().optional() }).strict(),
  z.object({ tag: z.literal('a'), text: str(MAX_BODY_BYTES), href: str(2048) }).strict(),
  z.object({ tag: z.literal('at'), user_id: str(64), user_name: z.string().max(256).optional() }).strict(),
  z.object({ tag: z.literal('img'), image_key: str(256) }).strict(),
]);

/** One language of a post: an optional title and paragraphs, each a line of nodes. */
const postLocale = z
  .object({
    title: z.string().max(1024).optional(),
    content: z.array(z.array(postNode)).min(1),
  })
  .strict();

const textMessage = z.object({ type: z.literal('text'), text: str(MAX_BODY_BYTES) }).strict();

/** A post needs at least one of its languages (`zh_cn`, `en_us`). */
const postMessage = z
  .object({ type: z.literal('post'), zh_cn: postLocale.optional(), en_us: postLocale.optional() })
  .strict()
  .refine((p) => Boolean(p.zh_cn || p.en_us), {
    message: 'a post needs zh_cn or en_us',
    path: ['zh_cn'],
  });

/** A card is passed through as written: its layout rules are Feishu's to check. */
const interactiveMessage = z
  .object({
    type: z.literal('interactive'),
    card: z.record(z.string(), z.unknown()).refine((c) => Object.keys(c).length > 0, 'the card is empty'),
  })
  .strict();

const imageMessage = z.object({ type: z.literal('image'), image_key: str(256) }).strict();

/** The card of a group; a bot can share only the group it is in. */
const shareChatMessage = z.object({ type: z.literal('share_chat'), share_chat_id: str(128) }).strict();

const message = z.discriminatedUnion('type', [
  textMessage,
  postMessage,
  interactiveMessage,
  imageMessage,
  shareChatMessage,
]);

/**
 * Feishu custom bot content. A template larger than a request body may be is refused when saved
 * (rendering only adds to it); the rendered body is checked again before each send.
 *
 * @example feishuRobotContent.parse({ text: 'Build {$n} failed' }) // { type: 'text', text: 'Build {$n} failed' }
 * @example feishuRobotContent.parse({ type: 'post', zh_cn: { title: '发布', content: [[{ tag: 'text', text: 'v{$v}' }]] } })
 * @example feishuRobotContent.parse({ type: 'interactive', card: { schema: '2.0', body: { elements: [] } } })
 */
export const feishuRobotContent = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { type: 'text', ...v } : v),
  message.refine((m) => Buffer.byteLength(JSON.stringify(m), 'utf8') <= MAX_BODY_BYTES, {
    message: `larger than the ${MAX_BODY_BYTES}-byte request body Feishu takes`,
  }),
);

export type FeishuRobotContent = z.output<typeof message>;

/** A rich-text node and a post language, as the client builds bodies from them. */
export type PostNode = z.output<typeof postNode>;
export type PostLocale = z.output<typeof postLocale>;
