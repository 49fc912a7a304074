import { LRUCache } from 'lru-cache';
import { ensureGroup, startConsumer, startMover } from '../bus/index.ts';
import { createHttpClient } from '../channels/kit/http.ts';
import type { HttpClient } from '../channels/kit/types.ts';
import type { Config } from '../config/config.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from '../telemetry/logger.ts';
import { createPoster } from './poster.ts';
import { createRouter } from './router.ts';
import type { CallbackTarget } from './settings.ts';

/** Consumer group of the callbacks on the event streams and on the outbox. @example groupLag(redis, keys.events(0), CALLBACKS_GROUP) */
export const CALLBACKS_GROUP = 'callbacks';

/**
 * The platform settings (`config.callbacks`) and tuning knobs tests and operators may turn.
 *
 * @example const settings: CallbackSettings = { ...config.callbacks, timeoutMs: 5000 };
 */
export type CallbackSettings = Config['callbacks'] &
  Readonly<{
    /** First retry waits up to this (full jitter), doubling per attempt; default 5 s. */
    retryBaseMs?: number;
    /** Longest wait between attempts; default 1 h. */
    retryMaxMs?: number;
    /** Whole-post timeout; default 10 s. */
    timeoutMs?: number;
    /**
     * Posts in flight to one app; default half of `concurrency`, so one app's hanging receiver
     * leaves the other half to every other app.
     */
    perAppConcurrency?: number;
    /** How long an app's settings are remembered; default 5 s (a change applies within that). */
    cacheTtlMs?: number;
    /** Pending this long counts as stalled and is claimed by another poster; default 30 s. */
    visibilityTimeoutMs?: number;
  }>;

/** Options of {@link startCallbacks}. @example startCallbacks({ redis, blocking, keys, partitions, loadApp, consumer, log, settings }) */
export type CallbacksOptions = Readonly<{
  redis: Redis;
  /** A connection for XREADGROUP BLOCK used by nothing else (a second one is duplicated from it). */
  blocking: Redis;
  keys: Keys;
  partitions: number;
  /** The app's callback settings with the secret opened (e.g. `repos.apps.callbackTarget`). */
  loadApp: (appId: number) => Promise<CallbackTarget | undefined>;
  /** Consumer name, unique per process. */
  consumer: string;
  log: Logger;
  /** HTTP client for the posts; default the kit's, with the SSRF guard per `settings`. */
  http?: HttpClient;
  now?: () => number;
  random?: () => number;
  settings: CallbackSettings;
}>;

/** What the callbacks did since start, for tests and metrics. @example cb.counters().posted // 12 */
export type CallbacksCounters = {
  routed: number;
  posted: number;
  retried: number;
  dead: number;
  dropped: number;
  deferred: number;
};

/**
 * Starts the status callbacks of a process: a router in consumer group `callbacks` on every
 * lifecycle event stream, which puts each event an app wants into the callbacks outbox and
 * acknowledges it at once, and a poster in the same group on the outbox, which posts with
 * retries, backoff and dead letters (see `poster.ts`). The send path never waits for either, and
 * a slow receiver only ever holds outbox entries. Both loops are consumer groups with claim of
 * stalled entries, so a poster stopped or killed mid-way loses nothing: another (or the same,
 * restarted) claims what was pending. Delivery to receivers is at least once; `webhook-id`
 * lets them drop repeats. Callbacks of one message may arrive out of order (retries): `data.at`
 * orders them.
 *
 * A fresh `callbacks` group starts at the end of the event streams: enabling the feature does
 * not post the streams' history.
 *
 * @example
 * const cb = await startCallbacks({ redis, blocking, keys, partitions: config.eventPartitions,
 *   loadApp: (id) => repos.apps.callbackTarget(id), consumer: 'h1-cb', log, settings: config.callbacks });
 * await cb.stop();
 */
export async function startCallbacks(
  opts: CallbacksOptions,
): Promise<{ stop(): Promise<void>; counters(): CallbacksCounters }> {
  const { redis, keys, settings, log } = opts;
  const now = opts.now ?? Date.now;
  const counters: CallbacksCounters = { routed: 0, posted: 0, retried: 0, dead: 0, dropped: 0, deferred: 0 };
  const visibilityTimeoutMs = settings.visibilityTimeoutMs ?? 30_000;
  const timeoutMs = settings.timeoutMs ?? 10_000;

  // Settings per app, briefly remembered: one lookup per app every few seconds, not per event.
  // `null` stands for "no callbacks" so that answer is remembered too.
  // While the database is unreachable the last known settings keep routing (stale-if-error, as
  // pkg/cache does for the send path); an app never looked up leaves its events pending instead.
  const cache = new LRUCache<number, { t: CallbackTarget | null }>({
    max: 10_000,
    ttl: settings.cacheTtlMs ?? 5000,
    allowStaleOnFetchRejection: true,
    noDeleteOnFetchRejection: true,
    fetchMethod: async (id) => ({ t: (await opts.loadApp(id)) ?? null }),
  });
  const target = async (id: number) => {
    const got = await cache.fetch(id);
    // Undefined only when the lookup failed with nothing stale to fall back on: not "no callbacks".
    if (got === undefined) throw new Error(`callback settings of app ${id} could not be loaded`);
    return got.t ?? undefined;
  };

  const byStream = new Map<string, number>();
  for (let p = 0; p < opts.partitions; p++) byStream.set(keys.events(p), p);
  const eventStreams = [...byStream.keys()];
  await Promise.all(eventStreams.map((s) => ensureGroup(redis, s, CALLBACKS_GROUP, '$')));

  const router = await startConsumer({
    redis,
    blocking: opts.blocking,
    streams: eventStreams,
    group: CALLBACKS_GROUP,
    consumer: opts.consumer,
    concurrency: () => 32,
    handle: createRouter({
      redis,
      keys,
      partitionOf: (s) => byStream.get(s),
      target,
      onRouted: () => void counters.routed++,
    }),
    // The router only ever acknowledges; these keys share each partition's tag for the janitor.
    delayedKeyOf: (s) => keys.callbacksEventsDead(byStream.get(s)!),
    deadKeyOf: (s) => keys.callbacksEventsDead(byStream.get(s)!),
    onError: (err, entry) =>
      log.error({ err, stream: entry?.stream, entryId: entry?.id }, 'callback routing left pending'),
    onExhausted: (entry) =>
      log.warn({ stream: entry.stream, entryId: entry.id }, 'event given up by the callbacks router'),
    visibilityTimeoutMs,
    // The aggregator trims the event streams by its own retention; acknowledged is not enough.
    trim: false,
  });

  const ownHttp = opts.http
    ? undefined
    : createHttpClient({
        guard: { allowPrivateNetworks: settings.allowPrivateNetworks },
        timeoutMs,
        maxResponseBytes: 64 * 1024,
      });
  const outbox = keys.callbacks();
  const postBlocking = opts.blocking.duplicate();
  const poster = await startConsumer({
    redis,
    blocking: postBlocking,
    streams: [outbox],
    group: CALLBACKS_GROUP,
    consumer: opts.consumer,
    concurrency: () => settings.concurrency,
    handle: createPoster({
      http: opts.http ?? ownHttp!,
      target,
      log,
      now,
      random: opts.random ?? Math.random,
      maxAttempts: settings.maxAttempts,
      retryBaseMs: settings.retryBaseMs ?? 5000,
      retryMaxMs: settings.retryMaxMs ?? 3_600_000,
      timeoutMs,
      perAppConcurrency: settings.perAppConcurrency ?? Math.max(1, Math.ceil(settings.concurrency / 2)),
      onOutcome: (kind) => void counters[kind]++,
    }),
    delayedKeyOf: () => keys.callbacksDelayed(),
    deadKeyOf: () => keys.callbacksDead(),
    onError: (err, entry) => log.error({ err, entryId: entry?.id }, 'status callback left pending'),
    onExhausted: (entry) =>
      log.warn(
        { entryId: entry.id, webhookId: entry.fields.wid },
        'status callback dead-lettered after max deliveries',
      ),
    visibilityTimeoutMs,
  });
  const mover = startMover({
    redis,
    streams: [outbox],
    delayedKeyOf: () => keys.callbacksDelayed(),
    intervalMs: 100,
    now,
    onError: (err) => log.error({ err }, 'callback retry mover failed'),
  });
  log.info({ consumer: opts.consumer, partitions: opts.partitions }, 'status callbacks started');

  let stopped: Promise<void> | undefined;
  return {
    counters: () => ({ ...counters }),
    stop() {
      stopped ??= (async () => {
        await mover.stop();
        await Promise.all([router.stop(), poster.stop()]);
        postBlocking.disconnect();
        await ownHttp?.close();
      })();
      return stopped;
    },
  };
}
