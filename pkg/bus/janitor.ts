import type { RedisClient } from '../redis/client.ts';
import { type Entry, fieldsOf, parseEntries } from './entry.ts';
import { runScript } from './scripts.ts';

export type ReclaimOptions = Readonly<{
  stream: string;
  group: string;
  /** The consumer that takes the claimed entries over. */
  consumer: string;
  deadKey: string;
  /** Entries idle at least this long (ms) are considered stalled. */
  visibilityTimeoutMs: number;
  /** Entries already delivered this many times go to dead letters instead of being claimed. */
  maxDeliveries: number;
  /** At most this many entries are claimed (the caller's free slots). */
  claimLimit: number;
  /** Pending entries inspected per call (default 100). */
  scan?: number;
  /** Ids not to claim (already being worked on by the caller). */
  skip?: ReadonlySet<string>;
}>;

/** Reason stored in `dlq_reason` when an entry was delivered `maxDeliveries` times. */
export const MAX_DELIVERIES_REASON = 'max_deliveries';

/**
 * One janitor pass over a stream: finds entries pending longer than the visibility timeout
 * (their consumer died or hangs), dead-letters those delivered `maxDeliveries` times already
 * (field `dlq_reason`=`max_deliveries`, atomic XCLAIM+XADD+XACK script), and claims up to
 * `claimLimit` of the rest for `consumer`. Returns the claimed entries, with `deliveries`
 * counting this delivery, for the caller to handle, and the exhausted ones (original fields).
 *
 * @example
 * const { claimed } = await reclaimStalled(redis, { stream, group: 'handlers', consumer: 'h1',
 *   deadKey, visibilityTimeoutMs: 30_000, maxDeliveries: 10, claimLimit: 8 });
 */
export async function reclaimStalled(
  redis: RedisClient,
  o: ReclaimOptions,
): Promise<{ claimed: Entry[]; exhausted: Entry[] }> {
  const minIdle = Math.max(0, Math.floor(o.visibilityTimeoutMs));
  let pending: Array<[string, string, number, number]>;
  try {
    pending = (await redis.call(
      'XPENDING',
      o.stream,
      o.group,
      'IDLE',
      minIdle,
      '-',
      '+',
      o.scan ?? 100,
    )) as Array<[string, string, number, number]>;
  } catch (err) {
    if (/NOGROUP|no such key/i.test(String((err as Error)?.message))) return { claimed: [], exhausted: [] };
    throw err;
  }
  const exhausted: Entry[] = [];
  const toClaim = new Map<string, number>();
  for (const [id, , , count] of pending) {
    if (o.skip?.has(id)) continue;
    if (count >= o.maxDeliveries) {
      const fields = await runScript(
        redis,
        'deadLetterStalled',
        [o.stream, o.deadKey],
        [o.group, o.consumer, minIdle, id, MAX_DELIVERIES_REASON],
      );
      if (Array.isArray(fields) && fields.length > 0) {
        exhausted.push({ stream: o.stream, id, fields: fieldsOf(fields), deliveries: count });
      }
    } else if (toClaim.size < o.claimLimit) {
      toClaim.set(id, count);
    }
  }
  if (toClaim.size === 0) return { claimed: [], exhausted };
  // XCLAIM re-checks the idle time, so two janitors racing for one entry cannot both get it,
  // and bumps the delivery count by one (this delivery).
  const raw = await redis.call('XCLAIM', o.stream, o.group, o.consumer, minIdle, ...toClaim.keys());
  const claimed: Entry[] = [];
  for (const e of parseEntries(o.stream, raw, (id) => (toClaim.get(id) ?? 0) + 1)) {
    if (e.fields) claimed.push(e as Entry);
    else await redis.xack(o.stream, o.group, e.id); // deleted while pending: nothing to do
  }
  return { claimed, exhausted };
}

/**
 * Resets the idle time of entries this consumer is still working on (XCLAIM … JUSTID, which does
 * not count a delivery), so other consumers' janitors do not take over slow but live work.
 *
 * @example await touchPending(redis, stream, 'handlers', 'h1', ['1700000000000-0']);
 */
export async function touchPending(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await redis.call('XCLAIM', stream, group, consumer, 0, ...ids, 'JUSTID');
}
