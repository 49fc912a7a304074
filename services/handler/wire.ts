import { cachedLookup } from '../../pkg/cache/cached-lookup.ts';
import { startCallbacks } from '../../pkg/callbacks/start.ts';
import { catalog } from '../../pkg/channels/catalog.ts';
import { cachedAccounts, createPlatformSenders } from '../../pkg/channels/senders.ts';
import type { Route } from '../../pkg/domain/channels.ts';
import type { DeliverDeps } from '../../pkg/handler/deliver.ts';
import { startHandler } from '../../pkg/handler/start.ts';
import { createLiveConfig, LIVE_CONFIG_NAME } from '../../pkg/pipeline/live-config.ts';
import { createRateLimiter } from '../../pkg/pipeline/rate-limit.ts';
import { createSteps } from '../../pkg/pipeline/steps.ts';
import { runSteps } from '../../pkg/pipeline/types.ts';
import type { Core } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { connectRedis } from '../../pkg/redis/client.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import { subscribedTemplateCache } from '../../pkg/templates/changes.ts';

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
  const { cache, closer } = subscribedTemplateCache({
    load: (id) => core.repos.templates.getActive(id),
    redisUrl: core.config.redisUrl,
    keys: core.keys,
    log: core.log,
  });
  const blocking = connectRedis(core.config.redisUrl, 'blocking');
  const loadAccount = cachedAccounts(core.repos.accounts);
  const metrics = createMetrics({ process: 'handler' });
  const platformSenders = createPlatformSenders({
    catalog,
    redis: core.redis,
    keys: core.keys,
    loadAccount,
    breaker: core.config.handler.breaker,
    onBreakerChange: (key, state) => {
      metrics.breakerState.set({ breaker: key }, state === 'open' ? 2 : state === 'half_open' ? 1 : 0);
      core.log.warn({ breaker: key, state }, 'provider circuit breaker changed state');
    },
  });
  const { senders } = platformSenders;
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
    fallbackRateLimit: cachedLookup(
      async (accountId: number) => {
        const a = await core.repos.accounts.get(accountId);
        return a?.rateLimit ? { rate: a.rateLimit, burst: a.rateBurst ?? a.rateLimit } : undefined;
      },
      { ttlMs: 5000 },
    ),
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
  // Status callbacks to the apps that sent: their own consumer group and outbox, never in the
  // way of sends.
  const callbacks = await startCallbacks({
    redis: core.redis,
    blocking,
    keys: core.keys,
    partitions: core.config.eventPartitions,
    loadApp: (id) => core.repos.apps.callbackTarget(id),
    consumer: core.instance,
    log: core.log,
    settings: core.config.callbacks,
  });
  const closers: Closer[] = [
    { name: 'blocking-redis', close: () => blocking.quit().catch(() => blocking.disconnect()) },
    { name: 'config-subscriber', close: () => configSub.quit() },
    { name: 'live-config', close: () => live.close() },
    closer,
    { name: 'senders', close: () => platformSenders.close() },
    { name: 'callbacks', close: () => callbacks.stop() },
    // Last registered = first closed: stop reading and let in-flight deliveries settle.
    { name: 'handler', close: () => handler.stop() },
  ];
  return { handler, metrics, live, closers, stop: () => handler.stop() };
}

const cfg = (core: Core) => core.config.handler;
