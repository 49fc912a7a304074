import type { RedisClient } from '../redis/client.ts';
import { pipelineAnySlot } from '../redis/cluster.ts';
import { type Fields, fieldsOf, flatOf } from './entry.ts';
import { unavailable } from './publish.ts';
import { runScript } from './scripts.ts';

/**
 * Delayed entries: a sorted set per stream scored by due time (ms), whose members are the
 * fields the entry will carry when it goes back into the stream.
 *
 * Member encoding: JSON of the flat `[name, value, …]` list with names sorted. Equal field sets
 * encode to the same member (scheduling the same thing twice keeps one, at the later score);
 * fields that differ in any name or value stay distinct members. Callers therefore include a
 * unique id and the attempt number in the fields, which makes a retried settlement idempotent
 * while two attempts of one message never collapse.
 */

/**
 * @example encodeMember({ b: '2', a: '1' }) // '["a","1","b","2"]'
 */
export function encodeMember(fields: Fields | readonly string[]): string {
  const flat = flatOf(fields);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  return JSON.stringify(pairs.flat());
}

/**
 * @example decodeMember('["a","1"]') // { a: '1' }; undefined when malformed
 */
export function decodeMember(member: string): Record<string, string> | undefined {
  try {
    const v: unknown = JSON.parse(member);
    if (!Array.isArray(v) || v.length === 0 || v.length % 2 !== 0) return undefined;
    if (!v.every((x) => typeof x === 'string')) return undefined;
    return fieldsOf(v);
  } catch {
    return undefined;
  }
}

/**
 * Parks fields in a delayed set until `dueAt` (ms). Returns `true` when the member is new.
 *
 * @example await scheduleDelayed(redis, keys.delayed('email.notice'), Date.now() + 60_000, { id: 'm1', att: '2' });
 */
export async function scheduleDelayed(
  redis: RedisClient,
  delayedKey: string,
  dueAt: number,
  fields: Fields | readonly string[],
): Promise<boolean> {
  return (await redis.zadd(delayedKey, Math.floor(dueAt), encodeMember(fields))) === 1;
}

/** One entry to park: its delayed set, due time and fields. */
export type DelayedItem = Readonly<{ delayedKey: string; dueAt: number; fields: Fields | readonly string[] }>;

/**
 * Parks many entries in one pipelined round trip (e.g. a request with `sendAt`). Throws
 * `AppError('BUS_UNAVAILABLE', 503)` when any write failed, like {@link publish}.
 *
 * @example await scheduleDelayedMany(redis, [{ delayedKey, dueAt, fields: { id: 'm1', att: '1' } }]);
 */
export async function scheduleDelayedMany(redis: RedisClient, items: readonly DelayedItem[]): Promise<void> {
  if (items.length === 0) return;
  const members = items.map((it) => encodeMember(it.fields));
  const pipe = pipelineAnySlot(redis);
  items.forEach((it, i) => {
    pipe.zadd(it.delayedKey, Math.floor(it.dueAt), members[i]!);
  });
  let results: Array<[Error | null, unknown]> | null;
  try {
    results = await pipe.exec();
  } catch (err) {
    throw unavailable(items.length, items.length, err);
  }
  if (!results || results.length !== items.length) throw unavailable(items.length, items.length);
  const failed = results.filter(([err]) => err);
  if (failed.length > 0) throw unavailable(failed.length, items.length, failed[0]![0]);
}

/**
 * Moves up to `limit` members due at `now` from a delayed set back into the stream, atomically
 * (one Lua script: read, XADD each, ZREM), so concurrent movers never move a member twice.
 * Malformed members are removed and counted in `dropped`.
 *
 * @example const { moved } = await moveDue(redis, keys.delayed('email.notice'), keys.stream('email.notice'), Date.now(), 500);
 */
export async function moveDue(
  redis: RedisClient,
  delayedKey: string,
  stream: string,
  now: number,
  limit: number,
): Promise<{ moved: number; dropped: number }> {
  const r = (await runScript(
    redis,
    'moveDue',
    [delayedKey, stream],
    [Math.floor(now), Math.max(1, Math.floor(limit))],
  )) as [number, number];
  return { moved: Number(r[0]), dropped: Number(r[1]) };
}
