import { z } from 'zod';

/**
 * The content of an Alipay mini program subscription message (PROVIDERS.md §10b.4): the template
 * chosen in the merchant console, the page it opens, and one value per template keyword. Alipay's
 * limits are checked here, so a template that cannot go out is refused when saved and a rendered
 * message that grew past a limit fails as bad content instead of at Alipay.
 */

/** Characters Alipay allows per keyword value (`USER_KEYWORD_LENGTH_ERROR` beyond). */
export const MAX_KEYWORD_CHARS = 50;
/** `data` is sent as a JSON string of at most 2048 characters. */
export const MAX_DATA_CHARS = 2048;

/** Characters as Alipay counts them (code points, so one emoji is one). */
const chars = (s: string): number => [...s].length;

/** A keyword name as templates name them (`keyword1`, `keyword2`, …). */
const keyword = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'a keyword name like keyword1');

const value = z
  .string()
  .min(1)
  .refine((s) => chars(s) <= MAX_KEYWORD_CHARS, { message: `at most ${MAX_KEYWORD_CHARS} characters` });

/**
 * Alipay mini program content: `userTemplateId` (the console's template id), an optional
 * `page` (`pages/index/index?id=1`, parameters URL-encoded, ≤ 128), and `data`: keyword → value,
 * one per keyword of the template, each ≤ 50 characters. Values may hold `{$placeholders}`.
 *
 * @example alipayMiniprogramContent.parse({ userTemplateId: 'MDI4…', page: 'pages/order/index?id={$order}',
 *   data: { keyword1: '{$order}', keyword2: '已发货' } })
 */
export const alipayMiniprogramContent = z
  .object({
    userTemplateId: z.string().trim().min(1).max(64),
    page: z.string().trim().min(1).max(128).optional(),
    data: z
      .record(keyword, value)
      .refine((d) => Object.keys(d).length > 0, { message: 'at least one keyword' })
      .refine((d) => chars(JSON.stringify(dataOf(d))) <= MAX_DATA_CHARS, {
        message: `the data JSON is over ${MAX_DATA_CHARS} characters`,
      }),
  })
  .strict();

export type AlipayMiniprogramContent = z.output<typeof alipayMiniprogramContent>;

/**
 * The `data` object as Alipay takes it: each keyword's value under `value`.
 *
 * @example dataOf({ keyword1: '12:00' }) // { keyword1: { value: '12:00' } }
 */
export function dataOf(data: Readonly<Record<string, string>>): Record<string, { value: string }> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, { value: v }]));
}

/** A 2088… Alipay user id (`to_user_id`); anything else the receiver rule accepts is an open id. */
export const USER_ID = /^2088\d{12}$/;
/** An Alipay open id (`to_open_id`), per the `alipay_user` receiver rule (pkg/domain/receivers.ts). */
export const OPEN_ID = /^[A-Za-z0-9_-]{20,64}$/;

/**
 * The `biz_content` of `alipay.open.app.mini.templatemessage.send` for one receiver, fields in
 * the order Alipay documents them; `data` is a JSON string inside the JSON (double-encoded).
 * Undefined for a receiver that is neither a user id nor an open id. No `form_id`: that is the
 * old pay/form path, subscription messages go without it.
 *
 * @example bizContentOf('2088102122458832', { userTemplateId: 'T1', data: { keyword1: '12:00' } })
 * // '{"to_user_id":"2088102122458832","user_template_id":"T1","data":"{\"keyword1\":{\"value\":\"12:00\"}}"}'
 */
export function bizContentOf(receiver: string, content: AlipayMiniprogramContent): string | undefined {
  const to = USER_ID.test(receiver)
    ? { to_user_id: receiver }
    : OPEN_ID.test(receiver)
      ? { to_open_id: receiver }
      : undefined;
  if (!to) return undefined;
  return JSON.stringify({
    ...to,
    user_template_id: content.userTemplateId,
    ...(content.page ? { page: content.page } : {}),
    data: JSON.stringify(dataOf(content.data)),
  });
}
