import { builtinFactories, createSenderCache } from '../channels/registry.ts';
import type { SenderAccount } from '../channels/types.ts';
import type { Route } from '../domain/channels.ts';
import type { DeliverDeps } from '../handler/deliver.ts';
import { startHandler } from '../handler/start.ts';
import { createLiveConfig, LIVE_CONFIG_NAME } from '../pipeline/live-config.ts';
import { createRateLimiter } from '../pipeline/rate-limit.ts';
import { createSteps } from '../pipeline/steps.ts';
import { runSteps } from '../pipeline/types.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import type { Core } from './core.ts';
import { subscribedTemplateCache } from './core.ts';
import type { Closer } from './lifecycle.ts';
import { connectRedis } from './redis.ts';

/**
 * Caches account lookups for `ttlMs`: the handler looks an account up per delivery, and an edit
 * (which moves `updatedAt`, rebuilding the sender) reaches it within the TTL.
 */
function cachedAccounts(core: Core, ttlMs = 5000): (id: number) => Promise<SenderAccount | undefined> {
  return ttlCache(
    (id: number) =>
      core.repos.accounts
        .getWithSecrets(id)
        .then((a) =>
          a
            ? { id: a.id, channel: a.channel, provider: a.provider, config: a.config, updatedAt: a.updatedAt }
            : undefined,
        ),
    ttlMs,
  );
}

/** Memoises an async lookup per key for `ttlMs` (failures are not kept). */
function ttlCache<K, V>(load: (key: K) => Promise<V>, ttlMs: number): (key: K) => Promise<V> {
  const cache = new Map<K, { at: number; value: Promise<V> }>();
  return (key: K) => {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = load(key);
    value.catch(() => cache.delete(key));
    cache.set(key, { at: Date.now(), value });
    return value;
  };
}

/**
 * Starts the handler process's work on a core: delivery loops, janitor, mover, sender pool.
 *
 * @example const h = await startHandlerProcess(core, { concurrency: () => 32 }); await h.stop();
 */
export async function startHandlerProcess(
  core: Core,
  opts: {
    concurrency?: (route: Route) => number;
    filter?: DeliverDeps['filter'];
    onRateLimited?: DeliverDeps['onRateLimited'];
    /** Live config refresh period (default 2 s; pub/sub applies changes at once). */
    configRefreshMs?: number;
  } = {},
) {
  const { cache, closer } = subscribedTemplateCache(core);
  const blocking = connectRedis(core.config.redisUrl, 'blocking');
  const loadAccount = cachedAccounts(core);
  const senders = createSenderCache({
    factories: builtinFactories({ redis: core.redis, keys: core.keys, sandboxInboxCap: 10_000 }),
    loadAccount,
  });
  const metrics = createMetrics({ process: 'handler' });
  const h = cfg(core);

  // Live config: discard list, whitelist, dedup, quiet hours, concurrency and rate limits,
  // pushed by the admin API over pub/sub and re-read every refresh period.
  const configSub = connectRedis(core.config.redisUrl, 'subscriber');
  const live = createLiveConfig({
    load: () => core.repos.configStore.get(LIVE_CONFIG_NAME),
    subscriber: configSub,
    channel: core.keys.configChanged(),
    refreshMs: opts.configRefreshMs ?? 2000,
    timezone: core.config.timezone,
    log: core.log,
  });
  await live.ready;
  const limiter = createRateLimiter({ redis: core.redis, keys: core.keys });
  const steps = createSteps({
    redis: core.redis,
    keys: core.keys,
    rateLimiter: limiter,
    // An account's own limit (set on the account) applies when the live config names none.
    fallbackRateLimit: ttlCache(async (accountId: number) => {
      const a = await core.repos.accounts.get(accountId);
      return a?.rateLimit ? { rate: a.rateLimit, burst: a.rateBurst ?? a.rateLimit } : undefined;
    }, 5000),
  });
  const filter: DeliverDeps['filter'] =
    opts.filter ?? ((input) => runSteps(steps, { ...input, config: live.current() }));
  const concurrency =
    opts.concurrency ?? ((route: Route) => live.current().concurrency[route] ?? h.concurrency);
  const onRateLimited =
    opts.onRateLimited ??
    ((accountId: number) => {
      // A provider said "slow down": halve this account's rate for 30 s across all handlers.
      limiter
        .coolDown(accountId, 0.5, 30_000)
        .catch((err) => core.log.warn({ err, accountId }, 'cool-down failed'));
    });
  const handler = await startHandler({
    redis: core.redis,
    blocking,
    keys: core.keys,
    ledger: core.ledger,
    templates: cache,
    senders,
    consumer: core.instance,
    concurrency,
    filter,
    onRateLimited,
    settings: h,
    ...(h.routes ? { routes: h.routes } : {}),
    log: core.log,
    metrics,
  });
  const closers: Closer[] = [
    { name: 'blocking-redis', close: () => blocking.quit().catch(() => blocking.disconnect()) },
    { name: 'config-subscriber', close: () => configSub.quit() },
    { name: 'live-config', close: () => live.close() },
    closer,
    { name: 'senders', close: () => senders.closeAll() },
    // Last registered = first closed: stop reading and let in-flight deliveries settle.
    { name: 'handler', close: () => handler.stop() },
  ];
  return { handler, metrics, live, closers, stop: () => handler.stop() };
}

const cfg = (core: Core) => core.config.handler;
