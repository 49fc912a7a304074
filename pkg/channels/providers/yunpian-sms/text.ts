/**
 * Yunpian sends the text as given and reads the signature from it: the text must start with
 * the approved signature in `【】` (PROVIDERS.md §3.3), else it matches no template.
 */

/** A leading `【signature】` (non-empty, no nested brackets). */
const SIGNED = /^【[^【】]+】/;

/**
 * Whether `text` starts with a `【signature】`.
 *
 * @example hasSignature('【云片网】您的验证码是1234') // true
 * @example hasSignature('您的验证码是1234') // false
 */
export const hasSignature = (text: string): boolean => SIGNED.test(text);

/**
 * The text to send: as is when it starts with a signature, else with `【signName】` in front;
 * `undefined` when it has none and there is no sign name to give it.
 *
 * @example signedText('您的验证码是1234', '云片网') // '【云片网】您的验证码是1234'
 * @example signedText('【店铺】订单已发货', '云片网') // '【店铺】订单已发货'
 * @example signedText('您的验证码是1234', undefined) // undefined
 */
export function signedText(text: string, signName: string | undefined): string | undefined {
  const t = text.trim();
  if (hasSignature(t)) return t;
  return signName ? `【${signName}】${t}` : undefined;
}
