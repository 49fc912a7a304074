import type { RedisClient } from '../redis/client.ts';
import { tickBatcher } from '../redis/tick-batch.ts';
import { encodeMember } from './delayed.ts';
import { type Entry, flatOf, type Settlement } from './entry.ts';
import { runScript } from './scripts.ts';

/** Where a settlement writes: the group, and the stream's delayed set and dead-letter stream. */
export type SettleTarget = Readonly<{
  group: string;
  delayedKey: string;
  deadKey: string;
}>;

/** Acknowledges one entry; `true` when it was still pending (see {@link createAcker}). */
export type Acker = (stream: string, id: string) => Promise<boolean>;

/**
 * Acknowledgements of one consumer group, coalesced: every ack of one turn of the event loop on
 * a stream goes out as one `ack-many` call (a read's entries settle within a turn or two), each
 * still answered on its own.
 *
 * @example const ack = createAcker(redis, 'handlers'); await settle(redis, target, entry, s, ack);
 */
export function createAcker(redis: RedisClient, group: string): Acker {
  const batch = tickBatcher<{ stream: string; id: string }, number>({
    groupOf: (e) => e.stream,
    run: async (stream, items) =>
      (await runScript(redis, 'ackMany', [String(stream)], [group, ...items.map((e) => e.id)])) as number[],
  });
  return async (stream, id) => (await batch({ stream, id })) === 1;
}

/**
 * Applies a settlement and acknowledges the entry in one atomic step (XACK; XACK + ZADD; XACK +
 * XADD). Returns `true` when this call settled the entry, `false` when it was no longer pending
 * in the group (another consumer settled a redelivery first); then nothing was written.
 *
 * @example
 * await settle(redis, { group: 'handlers', delayedKey, deadKey }, entry, { kind: 'ack' });
 */
export async function settle(
  redis: RedisClient,
  target: SettleTarget,
  entry: Pick<Entry, 'stream' | 'id'>,
  s: Settlement,
  ack?: Acker,
): Promise<boolean> {
  switch (s?.kind) {
    case 'ack':
      if (ack) return ack(entry.stream, entry.id);
      return (await redis.xack(entry.stream, target.group, entry.id)) === 1;
    case 'delay': {
      if (!Number.isFinite(s.dueAt)) throw new Error(`delay settlement needs a finite dueAt, got ${s.dueAt}`);
      const r = await runScript(
        redis,
        'settleDelay',
        [entry.stream, target.delayedKey],
        [target.group, entry.id, Math.floor(s.dueAt), encodeMember(s.fields)],
      );
      return r === 1;
    }
    case 'dead': {
      const r = await runScript(
        redis,
        'settleDead',
        [entry.stream, target.deadKey],
        [target.group, entry.id, ...flatOf(s.fields)],
      );
      return typeof r === 'string';
    }
    default:
      // A handler written in plain JS, or returning nothing: never acknowledge by accident.
      throw new Error(`unknown settlement ${JSON.stringify((s as { kind?: unknown } | undefined)?.kind)}`);
  }
}
