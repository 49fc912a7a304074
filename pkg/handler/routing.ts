import type { RouteAccount } from '../pipeline/live-config-schema.ts';

/**
 * A number in [0, 1) from a message id: FNV-1a with a final avalanche (murmur3's fmix32), so ids
 * that differ in their last characters spread evenly. The same id always gives the same number,
 * so a message redelivered after a crash picks the account it picked before.
 *
 * @example unitOf('01KAQ0000000000000000000') // 0.7312…, stable
 */
export function unitOf(messageId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < messageId.length; i++) {
    h ^= messageId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/**
 * The accounts a routed message tries, in order: the first picked by weight (stable per
 * message id, see {@link unitOf}), then the others by weight, heaviest first (list order on
 * ties), as failover. Weight-0 accounts are never picked first: they only take over.
 *
 * @example
 * accountOrder('01KAQ…', [{ accountId: 1, weight: 80 }, { accountId: 2, weight: 20 }])
 * // [1, 2] for about 80% of ids, [2, 1] for the rest
 */
export function accountOrder(messageId: string, list: readonly RouteAccount[]): number[] {
  const total = list.reduce((s, a) => s + a.weight, 0);
  if (list.length === 0) return [];
  let first = 0;
  if (total > 0) {
    let x = unitOf(messageId) * total;
    first = list.findIndex((a) => {
      x -= a.weight;
      return x < 0;
    });
    if (first < 0) first = list.findLastIndex((a) => a.weight > 0);
  }
  const rest = list
    .map((a, i) => ({ a, i }))
    .filter((x) => x.i !== first)
    .sort((p, q) => q.a.weight - p.a.weight || p.i - q.i)
    .map((x) => x.a.accountId);
  return [list[first]!.accountId, ...rest];
}
