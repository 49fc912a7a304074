import { z } from 'zod';

/**
 * Content pieces both WeChat template providers share (PROVIDERS.md §9.2, §10): the template id,
 * the `data` keywords and the openid receiver. Per-keyword rules (`thing` ≤ 20 characters,
 * `phrase` ≤ 5 Chinese characters …) are WeChat's to apply to the rendered value (it answers
 * 47003 naming the field); checked here they would refuse templates whose placeholders are
 * longer than the text they stand for.
 */

/** Most keywords a template has (WeChat's templates have up to 5 or so; a cap, not a rule). */
export const MAX_KEYWORDS = 20;
/** Longest keyword value taken (far above every keyword rule; a guard for runaway variables). */
export const MAX_VALUE_CHARS = 1000;

/**
 * A WeChat template id.
 *
 * @example templateId.parse('ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY')
 */
export const templateId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'a WeChat template id');

/** A keyword name as the template declares it (`thing1`, `character_string21`, `keyword1`, `first`). */
const KEYWORD = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const keywordValue = z
  .union([z.string(), z.object({ value: z.string() }).strict()])
  .transform((v) => (typeof v === 'string' ? v : v.value))
  .pipe(
    z
      .string()
      .min(1, 'WeChat refuses an empty keyword value')
      .refine((s) => [...s].length <= MAX_VALUE_CHARS, { message: `at most ${MAX_VALUE_CHARS} characters` }),
  );

/**
 * The template's keywords: name → value, written plain (`"thing1": "{$item}"`) or as WeChat
 * spells it (`"thing1": { "value": "{$item}" }`); parsed to plain values.
 *
 * @example keywordData.parse({ thing1: 'Tea', amount2: { value: '¥9.80' } }) // { thing1: 'Tea', amount2: '¥9.80' }
 */
export const keywordData = z
  .record(z.string().regex(KEYWORD, 'a keyword name such as thing1'), keywordValue)
  .refine((d) => Object.keys(d).length >= 1, { message: 'at least one keyword' })
  .refine((d) => Object.keys(d).length <= MAX_KEYWORDS, { message: `at most ${MAX_KEYWORDS} keywords` });

/**
 * The `data` object of a send body: every keyword as `{ value }`.
 *
 * @example toWechatData({ thing1: 'Tea' }) // { thing1: { value: 'Tea' } }
 */
export function toWechatData(data: Readonly<Record<string, string>>): Record<string, { value: string }> {
  return Object.fromEntries(Object.entries(data).map(([k, value]) => [k, { value }]));
}

/** An openid as the platform takes it (pkg/domain/receivers.ts `open_id`). */
const OPEN_ID = /^[A-Za-z0-9_-]{6,64}$/;

/**
 * Whether a receiver can be a `touser` openid (anything else would reach WeChat as someone's
 * malformed id, or as JSON it reads differently).
 *
 * @example isOpenId('oaFOWwc1VAlw7l2sNJRzBvOjmcA8') // true
 * @example isOpenId('a@x.com') // false
 */
export const isOpenId = (receiver: string): boolean => OPEN_ID.test(receiver);
