/**
 * Test-only: the keyword value rules WeChat documents for subscribe messages and category
 * templates ("参数值内容限制说明" on the subscribeMessage.send page; the official account's
 * category templates use the same types), as the fakes apply them. A keyword's type is its name
 * without the trailing number (`thing12` → `thing`). Types without a documented rule (legacy
 * `keyword1`/`first`/`remark`, whose overflow WeChat folds; `short_thing`, `const`, `enum`) only
 * have to be non-empty text. Characters are counted as code points.
 */

const chars = (s: string): number => [...s].length;
const HAN = /\p{Script=Han}/u;

/** Documented rule per keyword type. */
const RULES: Readonly<Record<string, (v: string) => boolean>> = {
  // 20 characters at most: Chinese, digits, letters or symbols.
  thing: (v) => chars(v) <= 20,
  // Up to 32 digits, decimals allowed.
  number: (v) => v.length <= 32 && /^[-+]?\d+(\.\d+)?$/.test(v),
  // Up to 32 letters.
  letter: (v) => /^[A-Za-z]{1,32}$/.test(v),
  // Up to 5 symbols (neither letters nor digits).
  symbol: (v) => chars(v) <= 5 && /^[^\p{L}\p{N}]+$/u.test(v),
  // Up to 32 digits, letters or symbols: no Chinese.
  character_string: (v) => /^[\x20-\x7e]{1,32}$/.test(v),
  // A 24-hour time, optionally with a date ("15:01", "2019年10月1日 15:01", "15:01~16:00").
  time: (v) => chars(v) <= 64 && /\d{1,2}:\d{2}/.test(v),
  // A date, optionally with a time ("2019年10月1日", "2018-01-01", "01-01").
  date: (v) => chars(v) <= 64 && /\d/.test(v),
  // One currency symbol and up to 10 digits, decimals allowed, optionally ending in 元.
  amount: (v) => /^\p{Sc}\d{1,10}(\.\d+)?元?$/u.test(v),
  // Up to 17 digits and symbols ("+86-0766-66888866").
  phone_number: (v) => /^[\d+\-() ]{1,17}$/.test(v),
  // Up to 8: first and last may be Chinese, the rest letters or digits ("粤A8Z888挂").
  car_number: (v) =>
    chars(v) <= 8 && /^[\p{Script=Han}A-Za-z0-9][A-Za-z0-9]*[\p{Script=Han}A-Za-z0-9]?$/u.test(v),
  // 10 Chinese characters, or 20 letters/symbols; mixed counts as Chinese.
  name: (v) => (HAN.test(v) ? chars(v) <= 10 : chars(v) <= 20 && !/\d/.test(v)),
  // Up to 5 Chinese characters only ("配送中").
  phrase: (v) => /^\p{Script=Han}{1,5}$/u.test(v),
};

/**
 * Whether `value` is a valid value of keyword `key` (control characters such as line breaks
 * are refused for every type).
 *
 * @example keywordValueOk('thing1', '订单已发货') // true
 * @example keywordValueOk('phrase3', '正在配送中的') // false (6 characters)
 * @example keywordValueOk('character_string2', '测试单号') // false (no Chinese)
 */
export function keywordValueOk(key: string, value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the rule
  if (/[\u0000-\u001f\u007f]/.test(value)) return false;
  const rule = RULES[key.replace(/\d+$/, '')];
  return rule ? rule(value) : true;
}
