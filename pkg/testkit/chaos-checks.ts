import type { Route } from '../domain/channels.ts';
import { fieldsToRecord } from '../domain/delivery.ts';
import { readTrace } from '../lifecycle/trace.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { eventLag } from '../stats/lag.ts';
import type { Accepted } from './chaos-load.ts';
import { readEventStreams } from './synthetic-events.ts';
import { sorted, storedCounters, truthCounters } from './truth.ts';

/** The after-checks' figures for one scenario (see {@link checkDeliveries}). */
export type DeliveryFigures = {
  accepted: number;
  /** Accepted deliveries the provider received at least once. */
  sent: number;
  deadLettered: number;
  /** Accepted deliveries neither received by the provider nor dead-lettered. */
  lost: string[];
  /** Accepted deliveries the provider received more than once. */
  duplicated: string[];
  /** Those of `duplicated` whose timeline marks an in-doubt resend (the one allowed case). */
  inDoubt: string[];
  /** Accepted deliveries whose trace does not end in `sent` or `dead_lettered` after `accepted`. */
  incomplete: string[];
  /** Message ids the provider received that no 202 answer ever named. */
  unacknowledged: number;
};

/**
 * Compares what the platform acknowledged with what the provider received and what each
 * message's trace says: sent exactly once (or dead-lettered), duplicates explained by an
 * in-doubt resend in the timeline, every timeline complete.
 *
 * @example const f = await checkDeliveries({ redis, keys, partitions: 8, accepted, receivedIds: rx.received.map((x) => x.headers['webhook-id']) });
 */
export async function checkDeliveries(opts: {
  redis: Redis;
  keys: Keys;
  partitions: number;
  accepted: ReadonlyMap<string, Accepted>;
  receivedIds: readonly string[];
}): Promise<DeliveryFigures> {
  const times = new Map<string, number>();
  for (const id of opts.receivedIds) times.set(id, (times.get(id) ?? 0) + 1);
  const f: DeliveryFigures = {
    accepted: opts.accepted.size,
    sent: 0,
    deadLettered: 0,
    lost: [],
    duplicated: [],
    inDoubt: [],
    incomplete: [],
    unacknowledged: [...times.keys()].filter((id) => !opts.accepted.has(id)).length,
  };
  const ids = [...opts.accepted.keys()];
  for (let i = 0; i < ids.length; i += 200) {
    const traces = await Promise.all(
      ids.slice(i, i + 200).map(async (id) => ({ id, trace: await readTrace(opts, id) })),
    );
    for (const { id, trace } of traces) {
      const n = times.get(id) ?? 0;
      const states = trace?.timeline.map((x) => x.state) ?? [];
      const dead = states.includes('dead_lettered');
      if (n > 0) f.sent++;
      else if (dead) f.deadLettered++;
      else f.lost.push(id);
      if (n > 1) {
        f.duplicated.push(id);
        // A reclaimed entry's resend is marked by its `sending` event ("in-doubt resend …"), a
        // timeout or hang-up at the provider by its `retrying` event ("IN_DOUBT <code> …").
        if (trace?.timeline.some((x) => /^(in-doubt resend|IN_DOUBT )/.test(x.reason))) f.inDoubt.push(id);
      }
      const ends = trace?.state === 'sent' || trace?.state === 'dead_lettered';
      if (states[0] !== 'accepted' || !ends) f.incomplete.push(id);
    }
  }
  return f;
}

/**
 * Counters against ground truth: once the aggregator has folded every event, the stored
 * template counters must equal those recomputed from the event streams. Returns the diff
 * (empty when equal) and how many counter cells were compared.
 *
 * @example const { diff, cells } = await checkCounters({ redis, keys, partitions: 8, offsetHours: 0 });
 */
export async function checkCounters(opts: {
  redis: Redis;
  keys: Keys;
  partitions: number;
  offsetHours: number;
}): Promise<{ cells: number; diff: string[]; events: number }> {
  const events = (await readEventStreams(opts.redis, opts.keys, opts.partitions)).flat().map((x) => x.event);
  const truth = new Map(sorted(truthCounters(events, opts.offsetHours)));
  const stored = new Map(sorted(await storedCounters(opts.redis, opts.keys)));
  const diff: string[] = [];
  for (const k of new Set([...truth.keys(), ...stored.keys()]))
    if (truth.get(k) !== stored.get(k))
      diff.push(`${k}: stored ${stored.get(k) ?? 0}, events ${truth.get(k) ?? 0}`);
  return { cells: truth.size, diff, events: events.length };
}

/** Whether the aggregator has folded every event (nothing new, nothing pending). */
export async function eventsFolded(opts: { redis: Redis; keys: Keys; partitions: number }): Promise<boolean> {
  return (await eventLag(opts)).total === 0;
}

/**
 * Work left anywhere under the prefix: entries pending in any consumer group of any stream, and
 * members of the delayed (retry) sets. `{}` when the platform is idle.
 *
 * @example assert.deepEqual(await leftPending(redis, keys), {});
 */
export async function leftPending(redis: Redis, keys: Keys): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  // Every route's delayed set starts so (the route's hash tag follows).
  const delayedPrefix = keys.delayed('x.notice' as Route).slice(0, -'{x.notice}'.length);
  let cursor = '0';
  do {
    const [next, found] = (await redis.scan(cursor, 'MATCH', `${keys.prefix}*`, 'COUNT', 1000)) as [
      string,
      string[],
    ];
    cursor = next;
    for (const key of found) {
      const type = await redis.type(key);
      if (type === 'stream') {
        const groups = (await redis.call('XINFO', 'GROUPS', key)) as string[][];
        for (const g of groups.map((x) => fieldsToRecord(x.map(String)))) {
          if (Number(g.pending) > 0) out[`${key} ${g.name}`] = Number(g.pending);
        }
      } else if (type === 'zset' && key.startsWith(delayedPrefix)) {
        const n = await redis.zcard(key);
        if (n > 0) out[key] = n;
      }
    }
  } while (cursor !== '0');
  return out;
}
