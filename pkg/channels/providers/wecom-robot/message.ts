import { failure, type SendFailure } from '../../definition.ts';
import { isMobileMention } from '../../group-post.ts';
import type { WecomRobotContent } from './content.ts';
import { BAD_MEDIA, CONTENT_TOO_LONG, MENTION_UNSUPPORTED, WECOM_ROBOT_ERRORS } from './errors.ts';
import { decodeBase64, IMAGE_MAX_BYTES, imageKind } from './media.ts';

/**
 * The `send` body of a (rendered) content and the people its post @-mentions (PROVIDERS.md §6.2).
 * WeCom mentions differently per type: a text message lists user ids in `mentioned_list` and
 * mobiles in `mentioned_mobile_list` (`@all` = everyone); markdown knows only `<@userid>` in
 * its content; images, news and files mention nobody. A mention the type cannot carry fails
 * the post (permanently: the same content and mentions never can) instead of posting it
 * without the mention, which would look delivered to someone it never reached.
 */

/** Whom one post mentions, as `mentionsOf()` (pkg/channels/group-post.ts) reads a receiver. */
export type Mentions = Readonly<{ all: boolean; ids: readonly string[] }>;

/** A `send` body (`{ msgtype, <msgtype>: {…} }`), or why the post cannot be built. */
export type Built = Readonly<{ ok: true; message: Readonly<Record<string, unknown>> }> | SendFailure;

const MARKDOWN_MAX = 4096;

const fail = (code: string, message: string) => failure(WECOM_ROBOT_ERRORS, code, message);

/** WeCom matches members by their mainland number without `+86`; other numbers go as given. */
const mobileOf = (m: string): string => m.replace(/^\+86(?=1\d{10}$)/, '');

/**
 * Why a post of `type` cannot carry these mentions, or undefined when it can.
 *
 * @example mentionRefusal('image', { all: true, ids: [] })?.code // 'MENTION_UNSUPPORTED'
 * @example mentionRefusal('text', { all: true, ids: ['13800138000'] }) // undefined
 */
export function mentionRefusal(type: WecomRobotContent['type'], m: Mentions): SendFailure | undefined {
  if (type === 'text' || (!m.all && m.ids.length === 0)) return undefined;
  if (type !== 'markdown') return fail(MENTION_UNSUPPORTED, `a WeCom robot ${type} message cannot @-mention`);
  if (m.all) return fail(MENTION_UNSUPPORTED, 'WeCom robot markdown cannot mention @all; use a text message');
  if (m.ids.some(isMobileMention)) {
    return fail(MENTION_UNSUPPORTED, 'WeCom robot markdown mentions user ids only, not mobiles');
  }
  return undefined;
}

/**
 * The text body: user ids and `@all` in `mentioned_list`, mobiles in `mentioned_mobile_list`.
 *
 * @example textBody('hi', { all: false, ids: ['ann', '+8613800138000'] })
 * // { msgtype: 'text', text: { content: 'hi', mentioned_list: ['ann'], mentioned_mobile_list: ['13800138000'] } }
 */
export function textBody(content: string, m: Mentions): Readonly<Record<string, unknown>> {
  const users = [...(m.all ? ['@all'] : []), ...m.ids.filter((id) => !isMobileMention(id))];
  const mobiles = m.ids.filter(isMobileMention).map(mobileOf);
  return {
    msgtype: 'text',
    text: {
      content,
      ...(users.length ? { mentioned_list: users } : {}),
      ...(mobiles.length ? { mentioned_mobile_list: mobiles } : {}),
    },
  };
}

/**
 * The markdown body with a `<@userid>` for each mentioned user the content does not already
 * mention, on a line of their own at the end.
 *
 * @example markdownBody('**done**', { all: false, ids: ['ann'] })
 * // { ok: true, message: { msgtype: 'markdown', markdown: { content: '**done**\n<@ann>' } } }
 */
export function markdownBody(content: string, m: Mentions): Built {
  const refused = mentionRefusal('markdown', m);
  if (refused) return refused;
  const tags = m.ids.map((id) => `<@${id}>`).filter((t) => !content.includes(t));
  const full = tags.length ? `${content}\n${tags.join(' ')}` : content;
  if (Buffer.byteLength(full, 'utf8') > MARKDOWN_MAX) {
    return fail(CONTENT_TOO_LONG, `markdown with its mentions exceeds ${MARKDOWN_MAX} bytes`);
  }
  return { ok: true, message: { msgtype: 'markdown', markdown: { content: full } } };
}

/**
 * The image body: the base64 as given and the md5 (hex) of the bytes it encodes, after the
 * checks WeCom makes (JPG/PNG, at most 2 MB).
 *
 * @example imageBody(pngBase64, (b) => kit.signing.hash('md5', b).toString('hex'))
 * // { ok: true, message: { msgtype: 'image', image: { base64: pngBase64, md5: '…' } } }
 */
export function imageBody(base64: string, md5: (bytes: Buffer) => string): Built {
  const bytes = decodeBase64(base64);
  if (!bytes) return fail(BAD_MEDIA, 'image content is not base64');
  if (bytes.length > IMAGE_MAX_BYTES) {
    return fail(BAD_MEDIA, `image of ${bytes.length} bytes exceeds WeCom's ${IMAGE_MAX_BYTES}`);
  }
  if (!imageKind(bytes)) return fail(BAD_MEDIA, 'WeCom robots take JPG or PNG images only');
  return { ok: true, message: { msgtype: 'image', image: { base64, md5: md5(bytes) } } };
}

/**
 * The body of every content but a file (which needs its upload first), for these mentions.
 *
 * @example messageOf({ type: 'text', text: 'hi' }, { all: true, ids: [] }, md5)
 * // { ok: true, message: { msgtype: 'text', text: { content: 'hi', mentioned_list: ['@all'] } } }
 */
export function messageOf(
  c: Exclude<WecomRobotContent, { type: 'file' }>,
  m: Mentions,
  md5: (bytes: Buffer) => string,
): Built {
  const refused = mentionRefusal(c.type, m);
  if (refused) return refused;
  switch (c.type) {
    case 'text':
      return { ok: true, message: textBody(c.text, m) };
    case 'markdown':
      return markdownBody(c.content, m);
    case 'image':
      return imageBody(c.base64, md5);
    case 'news':
      return { ok: true, message: { msgtype: 'news', news: { articles: c.articles } } };
  }
}
