import type { RedisClient } from '../redis/client.ts';
import { keyCommand } from '../redis/cluster.ts';
import { fieldsOf } from './entry.ts';

/** XINFO GROUPS of a stream as records (values as strings; nil values absent). */
async function groupsOf(redis: RedisClient, stream: string): Promise<Record<string, string>[]> {
  try {
    const raw = (await keyCommand(redis, stream, ['XINFO', 'GROUPS', stream])) as unknown[][];
    return raw.map((g) => fieldsOf(g.map((v) => (v === null ? '' : v))));
  } catch (err) {
    if (String((err as Error)?.message).includes('no such key')) return [];
    throw err;
  }
}

/**
 * How many entries of a stream a group has not been delivered yet (its backlog), for
 * backpressure. Uses XINFO's `lag`; when Redis cannot tell (nil after deletions inside the
 * backlog), falls back to the upper bound min(entries-added − entries-read, XLEN). A missing
 * stream has no lag; a missing group lags by the whole stream.
 *
 * @example if (await groupLag(redis, keys.stream('email.notice'), 'handlers') > highWater) throw busy;
 */
export async function groupLag(redis: RedisClient, stream: string, group: string): Promise<number> {
  const g = (await groupsOf(redis, stream)).find((x) => x['name'] === group);
  if (g && g['lag'] !== undefined && g['lag'] !== '') return Number(g['lag']);
  const len = await redis.xlen(stream);
  if (!g || g['entries-read'] === undefined || g['entries-read'] === '') return len;
  const info = fieldsOf((await keyCommand(redis, stream, ['XINFO', 'STREAM', stream])) as unknown[]);
  const added = Number(info['entries-added']);
  const bound = added - Number(g['entries-read']);
  return Number.isFinite(bound) ? Math.max(0, Math.min(len, bound)) : len;
}

/**
 * Entries delivered to a group and not acknowledged yet (0 for a missing stream or group).
 *
 * @example await pendingCount(redis, keys.stream('email.notice'), 'handlers') // 3
 */
export async function pendingCount(redis: RedisClient, stream: string, group: string): Promise<number> {
  try {
    const summary = (await redis.xpending(stream, group)) as [number, ...unknown[]];
    return Number(summary[0]);
  } catch (err) {
    if (/NOGROUP|no such key/i.test(String((err as Error)?.message))) return 0;
    throw err;
  }
}
