/**
 * Phone number forms. The platform keeps SMS receivers in E.164 (`+8613800138000`; a bare
 * mainland 11-digit number is read as +86, pkg/domain/receivers.ts); each provider wants its own
 * form, derived here in one place.
 */

const MAINLAND = /^\+861[3-9]\d{9}$/;

/**
 * Whether an E.164 number is a mainland China mobile.
 *
 * @example isMainland('+8613800138000') // true
 * @example isMainland('+85291234567') // false
 */
export const isMainland = (e164: string): boolean => MAINLAND.test(e164);

/**
 * Aliyun's form: mainland numbers without `+86`, others as country code and number without `+`.
 *
 * @example aliyunNumber('+8613800138000') // '13800138000'
 * @example aliyunNumber('+85291234567') // '85291234567'
 */
export const aliyunNumber = (e164: string): string =>
  isMainland(e164) ? e164.slice(3) : e164.replace(/^\+/, '');

/**
 * Yunpian's form: mainland numbers as 11 digits, others in E.164 with `+`.
 *
 * @example yunpianNumber('+8613800138000') // '13800138000'
 * @example yunpianNumber('+85291234567') // '+85291234567'
 */
export const yunpianNumber = (e164: string): string => (isMainland(e164) ? e164.slice(3) : e164);

/**
 * Back from a provider's form to E.164 (receipts name numbers the provider's way): 11 mainland
 * digits or `86`-prefixed ones get `+86`, others get a `+`.
 *
 * @example fromProviderNumber('13800138000') // '+8613800138000'
 * @example fromProviderNumber('8613800138000') // '+8613800138000'
 * @example fromProviderNumber('+85291234567') // '+85291234567'
 */
export function fromProviderNumber(n: string): string {
  const digits = n.trim().replace(/^\+/, '');
  if (/^1[3-9]\d{9}$/.test(digits)) return `+86${digits}`;
  return `+${digits}`;
}
