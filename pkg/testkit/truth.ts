import type { LifecycleEvent } from '../domain/events.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/**
 * Ground truth for the aggregator's end-to-end tests, computed independently of `fold`: counts
 * per `templateId|bucket|state`, with buckets from a fixed UTC offset (the test zone has no
 * daylight saving), and the counters the aggregator actually stored, read key by key.
 *
 * @example assert.deepEqual(sorted(await storedCounters(redis, keys)), sorted(truthCounters(events, 8)));
 */
export function truthCounters(events: Iterable<LifecycleEvent>, offsetHours: number): Map<string, number> {
  const out = new Map<string, number>();
  const add = (k: string) => out.set(k, (out.get(k) ?? 0) + 1);
  for (const e of events) {
    const local = new Date(e.at + offsetHours * 3_600_000).toISOString();
    add(`${e.templateId}|${local.slice(0, 10)}|${e.state}`);
    add(`${e.templateId}|${local.slice(0, 13)}|${e.state}`);
  }
  return out;
}

/**
 * Every stored template counter, summed over partitions: `templateId|bucket|state` → count.
 *
 * @example (await storedCounters(redis, keys)).get('7|2026-11-23|sent') // 9
 */
export async function storedCounters(redis: Redis, keys: Keys): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const re = new RegExp(
    `^${keys.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}st:\\{p\\d+\\}:t:(\\d+):(.+)$`,
  );
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.prefix}st:*:t:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      const m = re.exec(key);
      if (!m) continue;
      for (const [state, n] of Object.entries(await redis.hgetall(key))) {
        const k = `${m[1]}|${m[2]}|${state}`;
        out.set(k, (out.get(k) ?? 0) + Number(n));
      }
    }
  } while (cursor !== '0');
  return out;
}

/**
 * Sorted entries, for readable deepEqual diffs.
 *
 * @example sorted(new Map([['b', 1], ['a', 2]])) // [['a', 2], ['b', 1]]
 */
export const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
