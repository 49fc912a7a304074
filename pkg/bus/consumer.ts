import { isCluster, type RedisClient } from '../redis/client.ts';
import { CLUSTER_POLL_MS } from '../redis/cluster.ts';
import type { Entry, Settlement } from './entry.ts';
import { parseEntries } from './entry.ts';
import { reclaimStalled, touchPending } from './janitor.ts';
import { ensureGroup } from './publish.ts';
import { createAcker, settle } from './settle.ts';
import { createSlots } from './slots.ts';
import { createWaker, repeat } from './timing.ts';
import { trimAcknowledged } from './trim.ts';

export type ConsumerOptions = Readonly<{
  /** Command connection: acks, settlement scripts, janitor. */
  redis: RedisClient;
  /**
   * A connection of its own for XREADGROUP BLOCK (never shared: a block would stall others). On a
   * Cluster it is not used: one block can only wait on streams of one slot, so idle streams are
   * polled every CLUSTER_POLL_MS on `redis` instead.
   */
  blocking: RedisClient;
  streams: readonly string[];
  group: string;
  /** This consumer's name in the group; unique per process (e.g. host-pid-random). */
  consumer: string;
  /** Max entries in flight per stream, re-read continuously; 0 pauses reading the stream. */
  concurrency: (stream: string) => number;
  /** Works on one entry; throwing leaves it pending for redelivery after the visibility timeout. */
  handle: (entry: Entry) => Promise<Settlement>;
  delayedKeyOf: (stream: string) => string;
  deadKeyOf: (stream: string) => string;
  /** Failed handle or settlement (with its entry), failed read or janitor pass (without). */
  onError?: (err: unknown, entry?: Entry) => void;
  /** Called after the janitor dead-lettered an entry delivered `maxDeliveries` times. */
  onExhausted?: (entry: Entry) => void | Promise<void>;
  /** XREADGROUP BLOCK, ms (default 1000). */
  blockMs?: number;
  /**
   * Upper bound of XREADGROUP COUNT (default 100), or one per stream (a stream whose provider
   * takes many receivers per call reads as many at once); the free slots bound it further.
   */
  batchSize?: number | ((stream: string) => number);
  /** How long `stop()` waits for in-flight work, ms (default 10 000). */
  stopTimeoutMs?: number;
  /** Pending longer than this (ms) counts as stalled and is claimed by a janitor (default 30 000). */
  visibilityTimeoutMs?: number;
  /** Deliveries after which a stalled entry is dead-lettered instead of claimed (default 10). */
  maxDeliveries?: number;
  /** Run the janitor in this consumer (default true). */
  janitor?: boolean;
  /** Janitor pass interval, ms (default min(visibility / 2, 5000)). */
  janitorIntervalMs?: number;
  /** Trim acknowledged entries after each janitor pass (default true; see trimAcknowledged). */
  trim?: boolean;
}>;

export type ConsumerCounters = {
  read: number;
  claimed: number;
  acked: number;
  delayed: number;
  dead: number;
  /** Dead-lettered by the janitor after `maxDeliveries` (also counted in `dead`). */
  exhausted: number;
  /** Settlements that found the entry no longer pending (another consumer settled it). */
  stale: number;
  errors: number;
  trimmed: number;
  inFlight: number;
  /** Reads on the wire (their entries are this consumer's once they answer, even when paused). */
  reading: number;
};

export type Consumer = {
  /** Stops reading at once, waits for in-flight work (bounded by stopTimeoutMs); idempotent. */
  stop(): Promise<void>;
  counters(): ConsumerCounters;
  /** Runs one janitor pass now (tests, operators). */
  sweep(): Promise<void>;
};

/**
 * Starts a consumer-group loop over `streams`: reads only as many entries as each stream has free
 * slots, runs `handle` under a per-stream p-limit, applies the returned settlement atomically and
 * only then acknowledges. A janitor claims stalled entries of dead consumers and dead-letters
 * entries delivered too often; a heartbeat keeps this consumer's own slow work from being claimed.
 *
 * @example
 * const c = await startConsumer({ redis, blocking, streams: [keys.stream('email.notice')],
 *   group: 'handlers', consumer: 'h1', concurrency: () => 32,
 *   handle: async (e) => ({ kind: 'ack' }),
 *   delayedKeyOf: (s) => s.replace(':d:', ':dl:'), deadKeyOf: (s) => s.replace(':d:', ':dlq:') });
 * await c.stop();
 */
export async function startConsumer(opts: ConsumerOptions): Promise<Consumer> {
  const { redis, blocking, group, consumer, streams } = opts;
  const blockMs = opts.blockMs ?? 1000;
  const sizeOf = (s: string): number => {
    const b = opts.batchSize ?? 100;
    return Math.max(1, typeof b === 'function' ? b(s) : b);
  };
  const visibilityMs = opts.visibilityTimeoutMs ?? 30_000;
  const counters = {
    read: 0,
    claimed: 0,
    acked: 0,
    delayed: 0,
    dead: 0,
    exhausted: 0,
    stale: 0,
    errors: 0,
    trimmed: 0,
  };
  const report = (err: unknown, entry?: Entry) => {
    counters.errors++;
    try {
      opts.onError?.(err, entry);
    } catch {
      // A failing error callback must not take the loop down.
    }
  };
  const slots = createSlots(opts.concurrency);
  const sync = (s: string): number => {
    try {
      return slots.sync(s);
    } catch (err) {
      report(err);
      return slots.limit(s);
    }
  };
  const inFlight = new Map<string, Set<string>>(streams.map((s) => [s, new Set<string>()]));
  const work = new Set<Promise<void>>();
  let stopping = false;
  const { nap, wake } = createWaker();

  await Promise.all(streams.map((s) => ensureGroup(redis, s, group)));
  // The blocking connection's id lets stop() release a pending XREADGROUP (CLIENT UNBLOCK); a
  // reconnect gives the connection a new id.
  // On a Cluster nothing blocks (see `blocking`), and a keyless CLIENT reaches a random node.
  const polling = isCluster(blocking);
  let blockingId = polling ? 0 : Number(await blocking.client('ID'));
  const refreshId = () => {
    blocking.client('ID').then((id) => {
      blockingId = Number(id);
    }, report);
  };
  if (!polling) blocking.on('ready', refreshId);

  // Acks of one read leave in one call per stream.
  const ack = createAcker(redis, group);

  const dispatch = (entry: Entry) => {
    inFlight.get(entry.stream)?.add(entry.id);
    const p = slots
      .run(entry.stream, async () => {
        if (stopping) return; // not started: stays pending for a janitor to hand on
        let s: Settlement;
        try {
          s = await opts.handle(entry);
        } catch (err) {
          report(err, entry);
          return;
        }
        const target = {
          group,
          delayedKey: opts.delayedKeyOf(entry.stream),
          deadKey: opts.deadKeyOf(entry.stream),
        };
        try {
          if (!(await settle(redis, target, entry, s, ack))) counters.stale++;
          else if (s.kind === 'ack') counters.acked++;
          else if (s.kind === 'delay') counters.delayed++;
          else counters.dead++;
        } catch (err) {
          report(err, entry);
        }
      })
      .finally(() => {
        inFlight.get(entry.stream)?.delete(entry.id);
        work.delete(p);
        wake();
        // A stream that was full is not in the read now blocking: release that read so the
        // freed slot is refilled at once instead of after up to `blockMs`.
        if (reading && !polling && !reading.has(entry.stream) && !unblockSent && isReady(entry.stream)) {
          unblockSent = true;
          redis.call('CLIENT', 'UNBLOCK', blockingId).catch(() => undefined);
        }
      });
    work.add(p);
  };

  /** Streams that had entries on their last read: polled without blocking while they do. */
  const hot = new Set<string>();
  /**
   * A stream is read again once a quarter of its slots (at least one) are free: refilling in
   * batches keeps reads few when a busy stream frees one slot at a time.
   */
  const isReady = (s: string): boolean => {
    const limit = sync(s);
    if (limit <= 0) return false;
    return slots.free(s) >= Math.max(1, Math.min(sizeOf(s), Math.ceil(limit / 4)));
  };
  /** Streams of the XREADGROUP currently blocking (undefined when not reading). */
  let reading: Set<string> | undefined;
  let unblockSent = false;

  /** Dispatches the entries of an XREADGROUP reply; returns how many. */
  const take = (reply: unknown): number => {
    let n = 0;
    for (const [stream, raw] of (reply ?? []) as Array<[string, unknown]>) {
      for (const e of parseEntries(stream, raw, () => 1)) {
        counters.read++;
        n++;
        if (e.fields) dispatch(e as Entry);
      }
    }
    return n;
  };

  let backoff = 0;
  const recover = async (err: unknown) => {
    if (/NOGROUP/.test(String((err as Error)?.message))) {
      // The stream was deleted (and its group with it): recreate and go on.
      await Promise.all(streams.map((s) => ensureGroup(redis, s, group))).catch(report);
    } else report(err);
    backoff = Math.min(2000, backoff * 2 || 50);
    await nap(backoff);
  };

  // Reads on the wire, for `counters().reading`.
  let readsOnWire = 0;
  const onWire = async <T>(reads: Promise<T>[]): Promise<T[]> => {
    readsOnWire++;
    try {
      return await Promise.all(reads);
    } finally {
      readsOnWire--;
    }
  };
  const loop = async () => {
    while (!stopping) {
      const ready = streams.filter(isReady);
      if (ready.length === 0) {
        await nap(Math.min(blockMs, 250)); // woken early when a slot frees
        continue;
      }
      // Under load, read each ready stream without blocking, COUNT = its own free slots, all in
      // one pipelined round trip on the command connection. Only when none had anything does
      // the loop block (on its own connection) until any stream receives an entry.
      const polled = polling ? ready : ready.filter((s) => hot.has(s));
      let got = 0;
      try {
        const replies = await onWire(
          polled.map((s) =>
            redis.call(
              'XREADGROUP',
              'GROUP',
              group,
              consumer,
              'COUNT',
              Math.min(sizeOf(s), slots.free(s)),
              'STREAMS',
              s,
              '>',
            ),
          ),
        );
        if (stopping) break;
        if (polling) backoff = 0;
        replies.forEach((reply, i) => {
          const n = take(reply);
          if (n === 0) hot.delete(polled[i]!);
          got += n;
        });
      } catch (err) {
        if (stopping) break;
        await recover(err);
        continue;
      }
      if (got > 0) continue;
      if (polling) {
        await nap(Math.min(blockMs, CLUSTER_POLL_MS)); // woken early when a slot frees or on stop
        continue;
      }
      const count = Math.min(...ready.map((s) => Math.min(sizeOf(s), slots.free(s))));
      let reply: unknown;
      try {
        reading = new Set(ready);
        unblockSent = false;
        [reply] = await onWire([
          blocking.call(
            'XREADGROUP',
            'GROUP',
            group,
            consumer,
            'COUNT',
            count,
            'BLOCK',
            blockMs,
            'STREAMS',
            ...ready,
            ...ready.map(() => '>'),
          ),
        ]);
        reading = undefined;
        backoff = 0;
      } catch (err) {
        reading = undefined;
        if (stopping) break;
        await recover(err);
        continue;
      }
      if (stopping) break; // read while stopping: stays pending for a janitor to hand on
      for (const [stream] of (reply ?? []) as Array<[string, unknown]>) hot.add(stream);
      take(reply);
    }
  };

  const sweep = async () => {
    for (const stream of streams) {
      if (stopping) return;
      try {
        const { claimed, exhausted } = await reclaimStalled(redis, {
          stream,
          group,
          consumer,
          deadKey: opts.deadKeyOf(stream),
          visibilityTimeoutMs: visibilityMs,
          maxDeliveries: opts.maxDeliveries ?? 10,
          claimLimit: sync(stream) > 0 ? slots.free(stream) : 0,
          skip: inFlight.get(stream),
        });
        counters.exhausted += exhausted.length;
        counters.dead += exhausted.length;
        for (const e of exhausted)
          await Promise.resolve(opts.onExhausted?.(e)).catch((err) => report(err, e));
        counters.claimed += claimed.length;
        for (const e of claimed) if (!stopping) dispatch(e);
        if (opts.trim ?? true) counters.trimmed += await trimAcknowledged(redis, stream);
      } catch (err) {
        report(err);
      }
    }
  };

  const heartbeat = async () => {
    for (const [stream, ids] of inFlight) {
      if (ids.size > 0)
        await touchPending(redis, stream, group, consumer, [...ids]).catch((err) => report(err));
    }
  };

  const sweeping =
    opts.janitor === false
      ? undefined
      : repeat(opts.janitorIntervalMs ?? Math.min(visibilityMs / 2, 5000), sweep);
  // A third of the visibility timeout: two beats may be late before another janitor takes over.
  const beating = repeat(Math.max(10, Math.floor(visibilityMs / 3)), heartbeat);
  const looping = loop().catch((err) => report(err));

  let stopped: Promise<void> | undefined;
  return {
    counters: () => ({ ...counters, inFlight: slots.taken(), reading: readsOnWire }),
    sweep,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        blocking.off('ready', refreshId);
        sweeping?.cancel();
        beating.cancel();
        wake();
        // Release the blocked XREADGROUP now instead of after blockMs; repeated because the
        // unblock can overtake a read that is still on its way to Redis.
        const unblock = () =>
          polling ? undefined : void redis.call('CLIENT', 'UNBLOCK', blockingId).catch(() => undefined);
        unblock();
        const again = setInterval(unblock, 50);
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([looping, sweeping?.current(), beating.current(), ...work]),
          new Promise((r) => {
            timeout = setTimeout(r, opts.stopTimeoutMs ?? 10_000);
          }),
        ]);
        clearInterval(again);
        clearTimeout(timeout);
      })();
      return stopped;
    },
  };
}
