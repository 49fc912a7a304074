/**
 * Test-only helpers of the Yunpian fake (never imported by production code): Yunpian's rules
 * for segments, templates, local times and 64-bit sids, written out once.
 */

/**
 * Billed parts of a text as Yunpian counts them: 70 characters in one part, 67 per part beyond
 * (the signature counts).
 *
 * @example segmentsOf('【云片网】您的验证码是1234') // 1
 * @example segmentsOf('x'.repeat(71)) // 2
 */
export function segmentsOf(text: string): number {
  const n = [...text].length;
  return n <= 70 ? 1 : Math.ceil(n / 67);
}

/**
 * Whether `text` matches an approved template, Yunpian style: `#name#` stands for any
 * non-empty value, everything else must be equal.
 *
 * @example matchesTemplate('【云片网】您的验证码是#code#', '【云片网】您的验证码是1234') // true
 * @example matchesTemplate('【云片网】您的验证码是#code#', '【别家】您的验证码是1234') // false
 */
export function matchesTemplate(template: string, text: string): boolean {
  const parts = template.split(/#[A-Za-z0-9_]+#/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]+?')}$`).test(text);
}

/**
 * `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai (UTC+8, no DST), as Yunpian writes times.
 *
 * @example shanghaiString(Date.UTC(2014, 2, 17, 14, 55, 21)) // '2014-03-17 22:55:21'
 */
export function shanghaiString(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * JSON text with every `sid` written as a bare integer, as Yunpian sends it (sids are held as
 * decimal strings here, since they pass 2^53).
 *
 * @example jsonWithRawSids({ sid: '10000000000000001', code: 0 }) // '{"sid":10000000000000001,"code":0}'
 */
export function jsonWithRawSids(value: unknown): string {
  return JSON.stringify(value).replace(/"sid":"(\d+)"/g, '"sid":$1');
}

/** Mainland mobile as Yunpian takes it, or E.164 (`+` sent URL-encoded; a raw `+` arrives as a space). */
const NUMBER = /^(?:(?:\+86)?1[3-9]\d{9}|\+[1-9]\d{7,14})$/;

/**
 * Whether `mobile` is a number Yunpian accepts.
 *
 * @example validNumber('13800138000') // true
 * @example validNumber(' 85291234567') // false
 */
export const validNumber = (mobile: string): boolean => NUMBER.test(mobile);
