import type { LifecycleEvent } from '../domain/events.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { loadLuaFile } from '../redis/lua.ts';
import { encodeLatest } from './codec.ts';
import { type Deltas, fold } from './fold.ts';
import { compareStreamIds } from './ids.ts';

const applyScript = loadLuaFile(new URL('./apply.lua', import.meta.url));

/**
 * The consumer group of the lifecycle event streams (DESIGN.md).
 *
 * @example await redis.xgroup('CREATE', keys.events(0), AGGREGATOR_GROUP, '0', 'MKSTREAM');
 */
export const AGGREGATOR_GROUP = 'aggregator';

/** One read stream entry: `event` is undefined when the entry was malformed or deleted. */
export type EventEntry = { streamId: string; event: LifecycleEvent | undefined };

/**
 * Events folded and applied per script call unless configured otherwise.
 *
 * @example createApplier({ ...deps, chunkSize: DEFAULT_APPLY_EVENTS })
 */
export const DEFAULT_APPLY_EVENTS = 1000;

export type ApplyStatus = 'applied' | 'replay' | 'overlap';

export type ApplierOptions = {
  redis: Redis;
  keys: Keys;
  timezone: string;
  traceTtlDays: number;
  counterTtlDays: number;
  /**
   * Events per script call: a read batch up to this size is folded and applied as one, so its
   * counters are summed once and each message's state is read once. Bounds the script's
   * arguments and the time Redis is busy with it. Default 1000.
   */
  chunkSize?: number;
};

/**
 * Builds KEYS and ARGV of `apply.lua` for one partition's chunk. Keys are deduplicated and
 * referenced by index so each appears once however many states touch it.
 *
 * @example const { keys, args } = encodeApply(k, 3, deltas, ['1-0'], { traceTtlS: 604800, counterTtlS: 7776000 });
 */
export function encodeApply(
  k: Keys,
  partition: number,
  deltas: Deltas,
  ids: readonly string[],
  ttl: { traceTtlS: number; counterTtlS: number },
): { keys: string[]; args: (string | number)[] } {
  const keys = [k.events(partition), k.statsApplied(partition)];
  const index = new Map<string, number>();
  const ref = (key: string): number => {
    let i = index.get(key);
    if (i === undefined) {
      keys.push(key);
      i = keys.length;
      index.set(key, i);
    }
    return i;
  };
  const args: (string | number)[] = [
    AGGREGATOR_GROUP,
    ids[0] ?? '0-0',
    ids[ids.length - 1] ?? '0-0',
    ttl.traceTtlS,
    ttl.counterTtlS,
    ids.length,
    ...ids,
  ];
  for (const c of deltas.counters) {
    const fields = Object.entries(c.counts);
    args.push('c', ref(k.statsTemplate(partition, c.templateId, c.bucket)), fields.length);
    for (const [state, n] of fields) args.push(state, n as number);
  }
  // Timelines are not folded: each message's lives in its ledger record (pkg/lifecycle/trace.ts).
  for (const r of deltas.receivers) {
    args.push(
      r.fresh ? 'n' : 'r',
      ref(k.statsReceiver(partition, r.receiver, r.day)),
      ref(k.statsReceiverState(partition, r.receiver, r.day)),
      r.messageId,
      r.score,
      encodeLatest(r.latest),
    );
  }
  return { keys, args };
}

/**
 * Applies read entries of one partition: folds them in chunks (a read batch of up to
 * `chunkSize` is one) and runs `apply.lua` per chunk, so counters, receiver listings,
 * the applied-up-to id and the XACK land together. A chunk already applied (redelivered after a
 * crash) is only acknowledged. Entries must be in stream order.
 *
 * @example
 * const applier = createApplier({ redis, keys, timezone: 'Asia/Shanghai', traceTtlDays: 7, counterTtlDays: 90 });
 * const r = await applier.apply(3, entries); // { applied: 480, replayed: 20, events: [...] }
 */
export function createApplier(opts: ApplierOptions) {
  const chunkSize = Math.max(1, opts.chunkSize ?? DEFAULT_APPLY_EVENTS);
  const ttl = { traceTtlS: opts.traceTtlDays * 86_400, counterTtlS: opts.counterTtlDays * 86_400 };

  const runChunk = async (
    partition: number,
    chunk: readonly EventEntry[],
    now: number,
  ): Promise<{ status: ApplyStatus; appliedId: string }> => {
    const inputs = chunk.flatMap((e) => (e.event ? [{ streamId: e.streamId, event: e.event }] : []));
    const deltas = fold(inputs, { timezone: opts.timezone, now });
    const ids = chunk.map((e) => e.streamId);
    const { keys, args } = encodeApply(opts.keys, partition, deltas, ids, ttl);
    const [status, appliedId] = (await applyScript(opts.redis, keys, args)) as [ApplyStatus, string];
    return { status, appliedId };
  };

  return {
    /**
     * Applies `entries` (one partition, stream order). Returns how many events were newly
     * counted and replayed, and the newly counted events (for the live tail).
     */
    async apply(
      partition: number,
      entries: readonly EventEntry[],
      now: number = Date.now(),
    ): Promise<{ applied: number; replayed: number; events: EventEntry[] }> {
      let applied = 0;
      let replayed = 0;
      const events: EventEntry[] = [];
      for (let i = 0; i < entries.length; i += chunkSize) {
        let chunk = entries.slice(i, i + chunkSize);
        while (chunk.length > 0) {
          const r = await runChunk(partition, chunk, now);
          if (r.status === 'applied') {
            applied += chunk.length;
            for (const e of chunk) if (e.event) events.push(e);
            break;
          }
          if (r.status === 'replay') {
            replayed += chunk.length;
            break;
          }
          // Overlap: another owner applied part of this chunk. Split at its applied id; the
          // head replays (acknowledged only), the tail is applied on the next turn.
          const cut = chunk.findIndex((e) => compareStreamIds(e.streamId, r.appliedId) > 0);
          const head = chunk.slice(0, cut);
          const res = await runChunk(partition, head, now);
          if (res.status === 'replay') replayed += head.length;
          chunk = chunk.slice(cut);
        }
      }
      return { applied, replayed, events };
    },
  };
}

export type Applier = ReturnType<typeof createApplier>;
