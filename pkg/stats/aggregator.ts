import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, Gauge, type Registry } from 'prom-client';
import { fieldsToRecord } from '../domain/delivery.ts';
import { decodeEvent } from '../domain/events.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import { keyCommand, readGroupStreams } from '../redis/cluster.ts';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from '../telemetry/logger.ts';
import { inSpan, linksOf, SpanKind } from '../telemetry/tracing.ts';
import { AGGREGATOR_GROUP, createApplier, DEFAULT_APPLY_EVENTS, type EventEntry } from './apply.ts';
import { type EventLag, eventLag } from './lag.ts';
import { createPartitionLeases } from './leases.ts';
import { publishLive } from './live.ts';
import { trimFolded } from './trim.ts';

/**
 * Every instance reads as the same consumer: a partition has one lease holder at a time, and the
 * next holder must find the previous holder's unacknowledged entries in its own pending list.
 *
 * @example redis.xpending(keys.events(3), AGGREGATOR_GROUP, '-', '+', 10, AGGREGATOR_CONSUMER)
 */
export const AGGREGATOR_CONSUMER = 'aggregator';

export type AggregatorOptions = {
  /** Command connection (scripts, leases, publishes). */
  redis: Redis;
  /** Connection used only for the blocking XREADGROUP. */
  blocking: Redis;
  keys: Keys;
  /** Number of event partitions (config.eventPartitions). */
  partitions: number;
  /** IANA zone of day/hour buckets (config.timezone). */
  timezone: string;
  traceTtlDays: number;
  counterTtlDays: number;
  log: Logger;
  instanceId?: string;
  /** Partition lease time to live; a dead instance's partitions move after this. Default 10 s. */
  leaseTtlMs?: number;
  /** Entries read per partition per XREADGROUP (at most; see `readBudget`). Default 1000. */
  readCount?: number;
  /**
   * Entries one XREADGROUP may return over all owned partitions: the per-partition count is
   * lowered to `readBudget / partitions owned` (not below 100). A read larger than this outlives
   * V8's young generation while it is folded and costs more in garbage collection than its
   * bigger batches save (8 × 1000 entries measured 40% more CPU per event than 8 × 500).
   * Default 4000.
   */
  readBudget?: number;
  /** Events per apply script call. Default `readCount`: one call per partition per read. */
  chunkSize?: number;
  /**
   * When a read returned no full batch (the aggregator keeps up), the next read starts this long
   * after the previous one, so events gather into batches: a message's events then share one,
   * and a batch's counters are summed before they are written. Counters and traces appear up to
   * this much later. 0 reads again at once. Default 200 ms.
   */
  lingerMs?: number;
  /** XREADGROUP BLOCK time. Default 1000 ms. */
  blockMs?: number;
  /** Folded events older than this are trimmed from the event streams; 0 keeps all. Default 1 day. */
  eventRetentionMs?: number;
  /** When given, lag/throughput metrics are registered here. */
  registry?: Registry;
};

export type AggregatorStats = { applied: number; replayed: number; batches: number; errors: number };

export type Aggregator = {
  instanceId: string;
  /** Partitions this instance currently folds. */
  owned(): number[];
  /** Events not yet folded, over all partitions (not only owned ones). */
  lag(): Promise<EventLag>;
  stats(): AggregatorStats;
  /** Stops reading, finishes the batch in flight, releases leases. Does not close the clients. */
  close(): Promise<void>;
};

type ReadReply = [string, [string, string[] | null][]][] | null;

/**
 * Starts an aggregator instance: leases a fair share of the event partitions, reads them with
 * one blocking XREADGROUP (pending entries first after an acquisition, then new ones; while it
 * keeps up, one read per `lingerMs` so events gather into batches), folds each partition's batch
 * and applies it exactly once in one script call (`apply.lua`), announces folded events on
 * `eventsLive` while someone listens, and trims folded events past the retention.
 *
 * @example
 * const agg = await startAggregator({ redis, blocking, keys, partitions: 8, timezone: 'Asia/Shanghai',
 *   traceTtlDays: 7, counterTtlDays: 90, log });
 * await agg.lag(); // { total: 0, … }
 * await agg.close();
 */
export async function startAggregator(opts: AggregatorOptions): Promise<Aggregator> {
  const { redis, blocking, keys, partitions, log } = opts;
  const instanceId = opts.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const leaseTtlMs = opts.leaseTtlMs ?? 10_000;
  const tickMs = Math.max(50, Math.floor(leaseTtlMs / 3));
  const blockMs = opts.blockMs ?? 1000;
  const readCount = opts.readCount ?? DEFAULT_APPLY_EVENTS;
  const readBudget = opts.readBudget ?? 4000;
  const lingerMs = opts.lingerMs ?? 200;
  const retentionMs = opts.eventRetentionMs ?? 86_400_000;
  const stats: AggregatorStats = { applied: 0, replayed: 0, batches: 0, errors: 0 };
  const applier = createApplier({ ...opts, chunkSize: opts.chunkSize ?? readCount });
  const partitionOfKey = new Map(Array.from({ length: partitions }, (_, p) => [keys.events(p), p]));
  /** Read cursor per owned partition: a pending-list position after acquisition, then '>'. */
  const cursors = new Map<number, string>();

  const ensureGroup = async (p: number) => {
    try {
      // From 0, not $: events written before the first aggregator started are folded too.
      await keyCommand(redis, keys.events(p), [
        'XGROUP',
        'CREATE',
        keys.events(p),
        AGGREGATOR_GROUP,
        '0',
        'MKSTREAM',
      ]);
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  };

  const leases = createPartitionLeases({
    redis,
    keys,
    partitions,
    instanceId,
    ttlMs: leaseTtlMs,
    log,
    onAcquire: async (p) => {
      await ensureGroup(p);
      cursors.set(p, '0');
    },
  });

  let stopping = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  let ticking: Promise<void> | undefined;
  const tick = () => {
    ticking ??= leases
      .tick()
      .catch((err) => log.warn({ err }, 'lease tick failed'))
      .finally(() => {
        ticking = undefined;
      });
    return ticking;
  };
  await tick();
  const tickTimer = setInterval(tick, tickMs);

  const live = publishLive({ redis, channel: keys.eventsLive() });

  let lastTrim = Date.now();
  const trim = async () => {
    if (retentionMs <= 0 || Date.now() - lastTrim < 60_000) return;
    lastTrim = Date.now();
    for (const partition of leases.owned()) await trimFolded({ redis, keys, partition, retentionMs });
  };

  const processPartition = async (key: string, entries: [string, string[] | null][]) => {
    const p = partitionOfKey.get(key);
    if (p === undefined) return;
    const history = cursors.get(p) !== '>';
    if (history && entries.length === 0) {
      cursors.set(p, '>');
      return;
    }
    if (history) cursors.set(p, entries[entries.length - 1]![0]);
    const batch: EventEntry[] = entries.map(([streamId, fields]) => ({
      streamId,
      event: fields ? decodeEvent(fieldsToRecord(fields)) : undefined,
    }));
    try {
      // One span per folded batch, linked to the sampled traces of its events (a span per
      // message would cost more than the fold itself); child of the first, so a lone traced
      // message shows its aggregation in its own trace.
      const links = linksOf(batch, (e) => e.event?.traceparent);
      const r = await inSpan(
        'push.aggregate',
        undefined,
        { 'push.partition': p, 'push.events': batch.length },
        async (span) => {
          const applied = await applier.apply(p, batch);
          if (span.isRecording())
            span.setAttributes({ 'push.applied': applied.applied, 'push.replayed': applied.replayed });
          return applied;
        },
        { kind: SpanKind.CONSUMER, links, ...(links[0] ? { parent: links[0] } : {}) },
      );
      stats.applied += r.applied;
      stats.replayed += r.replayed;
      stats.batches++;
      if (r.events.length)
        await live.publish(r.events).catch((err) => log.warn({ err }, 'live tail publish failed'));
    } catch (err) {
      // Unknown outcome: re-read the pending list; what was applied replays as an ack only.
      if (cursors.has(p)) cursors.set(p, '0');
      throw err;
    }
  };

  let readAt = 0;
  let lastFull = true;
  const loop = async () => {
    while (!stopping) {
      try {
        for (const p of await leases.releaseMarked()) cursors.delete(p);
        const parts = leases.owned().filter((p) => cursors.has(p));
        if (parts.length === 0) {
          await pause(Math.min(blockMs, tickMs));
          continue;
        }
        const wait = readAt + lingerMs - Date.now();
        if (!lastFull && wait > 0) {
          await pause(wait);
          if (stopping) break;
        }
        readAt = Date.now();
        const count = Math.min(readCount, Math.max(100, Math.floor(readBudget / parts.length)));
        // One blocking read of every owned partition (on a Cluster: per slot, polled).
        const reply = (await readGroupStreams(
          blocking,
          ['GROUP', AGGREGATOR_GROUP, AGGREGATOR_CONSUMER, 'COUNT', count],
          parts.map((p) => keys.events(p)),
          parts.map((p) => cursors.get(p)!),
          blockMs,
        )) as ReadReply;
        lastFull = reply?.some(([, entries]) => entries.length >= count) ?? false;
        if (reply) {
          // Partitions apply concurrently; wait for all before reading again, so one partition
          // never has two batches in flight.
          const done = await Promise.allSettled(
            reply.map(([key, entries]) => processPartition(key, entries)),
          );
          const failed = done.find((d) => d.status === 'rejected');
          if (failed) throw failed.reason;
        }
        await trim();
      } catch (err) {
        if (stopping) break;
        stats.errors++;
        const message = String((err as Error).message);
        if (message.includes('NOGROUP')) {
          // A stream was deleted under us: recreate its group, re-read pending.
          for (const p of leases.owned()) await ensureGroup(p).catch(() => undefined);
        } else {
          log.error({ err }, 'aggregator batch failed');
        }
        for (const p of cursors.keys()) cursors.set(p, '0');
        await pause(200);
      }
    }
  };
  const running = loop();

  const lagNow = () => eventLag({ redis, keys, partitions });
  if (opts.registry) registerMetrics(opts.registry, lagNow, stats, () => leases.owned().length);

  log.info({ instanceId, partitions, leaseTtlMs }, 'aggregator started');
  return {
    instanceId,
    owned: () => leases.owned(),
    lag: lagNow,
    stats: () => ({ ...stats }),
    async close() {
      if (stopping) return running;
      stopping = true;
      clearInterval(tickTimer);
      wake?.();
      await running;
      await ticking;
      live.close();
      await leases.releaseAll().catch((err) => log.warn({ err }, 'lease release failed'));
      log.info({ instanceId, ...stats }, 'aggregator stopped');
    },
  };
}

function registerMetrics(
  registry: Registry,
  lag: () => Promise<EventLag>,
  stats: AggregatorStats,
  owned: () => number,
) {
  const registers = [registry];
  new Gauge({
    name: 'push_aggregator_lag_events',
    help: 'Lifecycle events not yet folded into counters and traces (all partitions)',
    registers,
    async collect() {
      this.set((await lag()).total);
    },
  });
  new Gauge({
    name: 'push_aggregator_lag',
    help: 'Lifecycle events of a partition not yet folded: never delivered to the aggregator group plus delivered, unacknowledged',
    labelNames: ['partition'],
    registers,
    async collect() {
      for (const p of (await lag()).partitions)
        this.set({ partition: String(p.partition) }, p.lag + p.pending);
    },
  });
  new Gauge({
    name: 'push_aggregator_partitions_owned',
    help: 'Event partitions leased by this aggregator instance',
    registers,
    collect() {
      this.set(owned());
    },
  });
  let seenApplied = 0;
  let seenReplayed = 0;
  new Counter({
    name: 'push_aggregator_events_applied_total',
    help: 'Lifecycle events folded and applied by this instance',
    registers,
    collect() {
      this.inc(stats.applied - seenApplied);
      seenApplied = stats.applied;
    },
  });
  new Counter({
    name: 'push_aggregator_events_replayed_total',
    help: 'Redelivered lifecycle events acknowledged without counting again',
    registers,
    collect() {
      this.inc(stats.replayed - seenReplayed);
      seenReplayed = stats.replayed;
    },
  });
}
