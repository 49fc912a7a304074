import { z } from 'zod';

/**
 * The content of a DingTalk work-notice template (PROVIDERS.md §5.2, the "message types and data
 * format" page), fields named as DingTalk names them (`messageUrl`/`picUrl` in a link,
 * snake_case in action cards and OA messages). Strings may hold `{$placeholders}`, so URLs are
 * checked as strings only (DingTalk also takes `dingtalk://` links and media ids for pictures).
 *
 * The one size rule DingTalk has published is on the whole `msg`: at most 2048 bytes (asyncsend_v2
 * docs of 2019 ◐; the current page lists no limit). Over-limit sends are answered with success
 * and never delivered (§5.2), so the rule is checked here on the template as written and again by
 * the client on the rendered message, rather than letting DingTalk drop it silently.
 */

/** Max UTF-8 bytes of the serialized `msg` object. */
export const MAX_MSG_BYTES = 2048;

const str = z.string().min(1).max(MAX_MSG_BYTES);
const url = z.string().min(1).max(MAX_MSG_BYTES);
/** An ARGB colour as DingTalk writes it, e.g. `FFBBBBBB`. */
const argb = z.string().regex(/^[0-9A-Fa-f]{8}$/, 'ARGB hex like FFBBBBBB');

const textMessage = z.object({ type: z.literal('text'), text: str }).strict();

const markdownMessage = z.object({ type: z.literal('markdown'), title: str, text: str }).strict();

const linkMessage = z
  .object({ type: z.literal('link'), title: str, text: str, messageUrl: url, picUrl: url })
  .strict();

const button = z.object({ title: str, action_url: url }).strict();

/**
 * An action card: one link for the whole card (`single_title` + `single_url`) or its own buttons
 * (`btn_json_list`); `btn_orientation` `"0"` stacks the buttons, `"1"` lays them side by side.
 */
const actionCardMessage = z
  .object({
    type: z.literal('action_card'),
    title: str,
    markdown: str,
    single_title: str.optional(),
    single_url: url.optional(),
    btn_orientation: z.enum(['0', '1']).optional(),
    btn_json_list: z.array(button).min(1).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const whole = c.single_title !== undefined || c.single_url !== undefined;
    if (whole && c.btn_json_list) {
      ctx.addIssue({
        code: 'custom',
        message: 'either single_title/single_url or btn_json_list',
        path: ['btn_json_list'],
      });
    } else if (whole && (c.single_title === undefined || c.single_url === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'single_title and single_url go together',
        path: ['single_url'],
      });
    } else if (!whole && !c.btn_json_list) {
      ctx.addIssue({
        code: 'custom',
        message: 'an action card needs single_title/single_url or btn_json_list',
        path: ['btn_json_list'],
      });
    }
  });

const oaBody = z
  .object({
    title: str.optional(),
    form: z
      .array(z.object({ key: str, value: str }).strict())
      .min(1)
      .optional(),
    rich: z.object({ num: str, unit: str.optional() }).strict().optional(),
    content: str.optional(),
    /** A media id (`@lADO…`) of an uploaded image. */
    image: str.optional(),
    file_count: z
      .string()
      .regex(/^\d{1,4}$/)
      .optional(),
    author: str.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'an OA body needs at least one field' });

const oaMessage = z
  .object({
    type: z.literal('oa'),
    message_url: url,
    pc_message_url: url.optional(),
    head: z.object({ bgcolor: argb, text: str.optional() }).strict(),
    status_bar: z.object({ status_value: str, status_bg: argb }).strict().optional(),
    body: oaBody,
  })
  .strict();

const message = z.discriminatedUnion('type', [
  textMessage,
  markdownMessage,
  linkMessage,
  actionCardMessage,
  oaMessage,
]);

export type DingtalkWorkContent = z.output<typeof message>;

/** The `msg` object of an asyncsend_v2 body: `msgtype` and its object. */
export type DingtalkMsg = { msgtype: string } & Record<string, unknown>;

/**
 * The `msg` of a (rendered) content.
 *
 * @example toDingtalkMsg({ type: 'text', text: 'Hi' }) // { msgtype: 'text', text: { content: 'Hi' } }
 * @example toDingtalkMsg({ type: 'markdown', title: 'T', text: '# T' }) // { msgtype: 'markdown', markdown: { title: 'T', text: '# T' } }
 */
export function toDingtalkMsg(c: DingtalkWorkContent): DingtalkMsg {
  const { type, ...fields } = c;
  if (c.type === 'text') return { msgtype: 'text', text: { content: c.text } };
  return { msgtype: type, [type]: fields };
}

/**
 * The UTF-8 size of a content's `msg` as sent (the {@link MAX_MSG_BYTES} rule).
 *
 * @example msgBytes({ type: 'text', text: 'Hi' }) // 42
 */
export const msgBytes = (c: DingtalkWorkContent): number =>
  Buffer.byteLength(JSON.stringify(toDingtalkMsg(c)), 'utf8');

/**
 * DingTalk work-notice content: `{ "text": "…" }` is shorthand for a text message; the others
 * name their `type` (`markdown`, `link`, `action_card`, `oa`). The whole `msg` must fit in 2048
 * bytes (placeholders counted as written; the client checks the rendered message again).
 *
 * @example dingtalkWorkContent.parse({ text: 'Hello {$name}' }) // { type: 'text', text: 'Hello {$name}' }
 * @example dingtalkWorkContent.parse({ type: 'link', title: 'Order', text: 'shipped', messageUrl: 'https://x.test/o/1', picUrl: '@lALO1' })
 */
export const dingtalkWorkContent = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { type: 'text', ...v } : v),
  message.refine((c) => msgBytes(c) <= MAX_MSG_BYTES, {
    message: `the message is over ${MAX_MSG_BYTES} bytes (UTF-8) as DingTalk's msg`,
  }),
);
