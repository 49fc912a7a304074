import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from '../telemetry/logger.ts';
import { defaultLiveConfig, type LiveConfig, parseLiveConfig } from './live-config-schema.ts';
import { matcherFor } from './sensitive.ts';
import { sameWords } from './sensitive-dictionary.ts';
import { stableStringify } from './stable-hash.ts';

export {
  defaultLiveConfig,
  LIVE_CONFIG_NAME,
  type LiveConfig,
  liveConfigIssues,
  liveConfigSchema,
  liveConfigSchemaFor,
  parseLiveConfig,
} from './live-config-schema.ts';

/** A running view of the live config. */
export type LiveConfigHandle = Readonly<{
  /** The config in force (validated, defaults filled, frozen). Cheap: call it per delivery. */
  current(): LiveConfig;
  /** Resolves after the first successful load (retried every `refreshMs` until then). */
  ready: Promise<void>;
  /** Stops listening and refreshing; the subscriber connection stays the caller's to close. */
  close(): Promise<void>;
}>;

/**
 * Keeps the live config of a running process fresh: reloads on a pub/sub message on `channel`
 * (a change applies at once) and every `refreshMs` (a missed message still applies within
 * seconds). A stored value that fails validation is logged and ignored; the last good one stays.
 *
 * @example
 * const live = createLiveConfig({
 *   load: () => configStore.get(LIVE_CONFIG_NAME),
 *   subscriber: connectRedis(url, 'subscriber'),
 *   channel: keys.configChanged(),
 *   onChange: (next) => pool.resize(next.concurrency),
 * });
 * await live.ready;
 * runSteps(steps, { ..., config: live.current() });
 */
export function createLiveConfig(opts: {
  load: () => Promise<unknown | undefined>;
  subscriber: Redis;
  channel: string;
  refreshMs?: number;
  /** Called when the config in force changes, the first load included (when it differs from the defaults). */
  onChange?: (next: LiveConfig, prev: LiveConfig) => void;
  /** The platform zone used for defaults (env `TIMEZONE`). */
  timezone?: string;
  log?: Logger;
}): LiveConfigHandle {
  const refreshMs = opts.refreshMs ?? 2000;
  let config = defaultLiveConfig(opts.timezone);
  let fingerprint = fingerprintOf(config);
  let closed = false;
  let loaded = false;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let markReady!: () => void;
  let failReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // Closing before the first load rejects `ready`; callers that never await it must not crash.
  ready.catch(() => {});

  const loadOnce = async (): Promise<void> => {
    let next: LiveConfig;
    try {
      next = parseLiveConfig(await opts.load(), opts.timezone);
    } catch (err) {
      opts.log?.warn({ err }, 'live config: load failed, keeping the last good config');
      return;
    }
    if (closed) return;
    const fp = fingerprintOf(next);
    const prev = config;
    const wordsChanged = !sameWords(next.sensitiveWords.words, prev.sensitiveWords.words);
    // The same words keep the same array, so the matcher built for them is found again.
    if (!wordsChanged && next.sensitiveWords !== prev.sensitiveWords) {
      next = Object.freeze({ ...next, sensitiveWords: prev.sensitiveWords });
    }
    config = next;
    if (!loaded) {
      loaded = true;
      markReady();
    }
    if (wordsChanged) {
      // Built here, once per change, rather than by the first delivery that needs it. It holds
      // the event loop while it builds: 10,000 words ≈ 0.3 s, 100,000 ≈ 2 s of one core.
      const t0 = performance.now();
      matcherFor(next.sensitiveWords.words);
      opts.log?.info(
        { words: next.sensitiveWords.words.length, buildMs: Math.round(performance.now() - t0) },
        'live config: sensitive words matcher built',
      );
    }
    if (fp !== fingerprint || wordsChanged) {
      fingerprint = fp;
      opts.log?.info('live config: changed');
      try {
        opts.onChange?.(next, prev);
      } catch (err) {
        opts.log?.error({ err }, 'live config: onChange failed');
      }
    }
  };

  // One load at a time; a request during a load runs one more after it (the change may have
  // been written after the running load read the store).
  const reload = (): Promise<void> => {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        await loadOnce();
      } while (again && !closed);
      inFlight = undefined;
    })();
    return inFlight;
  };

  const onMessage = (ch: string) => {
    if (ch === opts.channel && !closed) void reload();
  };
  opts.subscriber.on('message', onMessage);
  opts.subscriber.subscribe(opts.channel).catch((err: unknown) => {
    opts.log?.warn({ err }, 'live config: subscribe failed, relying on periodic refresh');
  });
  const timer = setInterval(() => void reload(), refreshMs);
  timer.unref();
  void reload();

  return Object.freeze({
    current: () => config,
    ready,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      opts.subscriber.off('message', onMessage);
      if (!loaded) failReady(new Error('live config closed before the first load'));
      await opts.subscriber.unsubscribe(opts.channel).catch(() => {});
      await inFlight;
    },
  });
}

/**
 * What tells configs apart, the dictionary left out: 100,000 words are compared as arrays
 * (`sameWords`) instead of serialised on every refresh.
 */
function fingerprintOf(c: LiveConfig): string {
  const { sensitiveWords: _, ...rest } = c;
  return stableStringify(rest);
}

/**
 * Tells every running process that the live config changed (they reload from the store).
 *
 * @example await configStore.set(LIVE_CONFIG_NAME, value, actor); await publishConfigChanged(redis, keys);
 */
export async function publishConfigChanged(redis: Redis, keys: Keys): Promise<void> {
  await redis.publish(keys.configChanged(), String(Date.now()));
}
