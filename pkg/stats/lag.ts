import type { RedisClient as Redis } from '../redis/client.ts';
import { keyCommand } from '../redis/cluster.ts';
import type { Keys } from '../redis/keys.ts';
import { AGGREGATOR_GROUP } from './apply.ts';

/** Events of one partition not yet folded: never delivered (`lag`) plus delivered, unacknowledged. */
export type PartitionLag = { partition: number; lag: number; pending: number };

/** Aggregator lag over all partitions; `total` = Σ (lag + pending). */
export type EventLag = { total: number; lag: number; pending: number; partitions: PartitionLag[] };

const fieldsOf = (flat: unknown[]): Record<string, unknown> => {
  const r: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) r[String(flat[i])] = flat[i + 1];
  return r;
};

/**
 * How far the aggregator is behind: per partition the consumer group's `lag` (XINFO GROUPS;
 * entries never delivered) and `pending` (delivered, not yet applied). Works from any process
 * (ingest's /readyz, metrics) without an aggregator running. A missing stream counts 0; a stream
 * without the group counts its length; when Redis cannot tell the lag (after deletions inside
 * the stream) the entries after the last delivered id are counted, up to 10,000.
 *
 * @example const { total } = await eventLag({ redis, keys, partitions: 8 }); // 0 when caught up
 */
export async function eventLag(opts: { redis: Redis; keys: Keys; partitions: number }): Promise<EventLag> {
  const { redis, keys } = opts;
  const parts = await Promise.all(
    Array.from({ length: opts.partitions }, async (_, partition): Promise<PartitionLag> => {
      const key = keys.events(partition);
      let groups: unknown[][];
      try {
        groups = (await keyCommand(redis, key, ['XINFO', 'GROUPS', key])) as unknown[][];
      } catch (err) {
        if (/no such key/i.test(String((err as Error).message))) return { partition, lag: 0, pending: 0 };
        throw err;
      }
      const g = groups.map(fieldsOf).find((x) => x.name === AGGREGATOR_GROUP);
      if (!g) return { partition, lag: await redis.xlen(key), pending: 0 };
      const pending = Number(g.pending) || 0;
      if (g.lag !== null && g.lag !== undefined) return { partition, lag: Number(g.lag), pending };
      const after = (await redis.call(
        'XRANGE',
        key,
        `(${String(g['last-delivered-id'])}`,
        '+',
        'COUNT',
        10_000,
      )) as unknown[];
      return { partition, lag: after.length, pending };
    }),
  );
  const lag = parts.reduce((s, p) => s + p.lag, 0);
  const pending = parts.reduce((s, p) => s + p.pending, 0);
  return { total: lag + pending, lag, pending, partitions: parts };
}

/**
 * The aggregator's readiness check: reports the events not yet folded, and fails only on a
 * very large backlog (`warnAt`, default 100,000), which means folding has stalled or cannot
 * keep up.
 *
 * @example const check = await lagCheck({ redis, keys, partitions: 8 }); // { ok: true, detail: { eventsNotFolded: 0, pending: 0 } }
 */
export async function lagCheck(
  opts: { redis: Redis; keys: Keys; partitions: number },
  warnAt = 100_000,
): Promise<{ ok: boolean; detail: { eventsNotFolded: number; pending: number } }> {
  const lag = await eventLag(opts);
  return { ok: lag.total < warnAt, detail: { eventsNotFolded: lag.total, pending: lag.pending } };
}
