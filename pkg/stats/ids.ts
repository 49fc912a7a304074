/**
 * Redis stream ids (`<ms>-<seq>`) compared numerically: lexical order is wrong across lengths
 * (`9-0` vs `10-0`).
 *
 * @example compareStreamIds('9-0', '10-0') // -1
 */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const d = Number(am) - Number(bm);
  if (d !== 0) return Math.sign(d);
  return Math.sign(Number(as) - Number(bs));
}
