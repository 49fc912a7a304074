import { cachedLookup } from '../../pkg/cache/cached-lookup.ts';
import { startCallbacks } from '../../pkg/callbacks/start.ts';
import { catalog } from '../../pkg/channels/catalog.ts';
import { cachedAccounts, createPlatformSenders } from '../../pkg/channels/senders.ts';
import type { Route } from '../../pkg/domain/channels.ts';
import { createCallGate } from '../../pkg/handler/call-gate.ts';
import type { DeliverDeps } from '../../pkg/handler/deliver.ts';
import { providerObserver } from '../../pkg/handler/metrics.ts';
import { startHandler } from '../../pkg/handler/start.ts';
import { createLiveConfig, LIVE_CONFIG_NAME } from '../../pkg/pipeline/live-config.ts';
import { createRateLimiter } from '../../pkg/pipeline/rate-limit.ts';
import { createSteps } from '../../pkg/pipeline/steps.ts';
import { runSteps } from '../../pkg/pipeline/types.ts';
import type { Core } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { startReceipts } from '../../pkg/receipts/start.ts';
import { connectRedis } from '../../pkg/redis/client.ts';
import { createMetrics, type HandlerMetrics } from '../../pkg/telemetry/metrics.ts';
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
    /** Its metrics (default: a registry of its own with the Node process metrics). */
    metrics?: HandlerMetrics;
  } = {},
) {
  const { cache, closer } = subscribedTemplateCache({
    load: (id) => core.repos.templates.getActive(id),
    target: core.config,
    keys: core.keys,
    log: core.log,
  });
  const blocking = connectRedis(core.config, 'blocking');
  const loadAccount = cachedAccounts(core.repos.accounts);
  const metrics = opts.metrics ?? createMetrics({ process: 'handler' });
  const h = cfg(core);

  // Live config: discard list, whitelist, dedup, quiet hours, concurrency and rate limits,
  // pushed by the admin API over pub/sub and re-read every refresh period.
  const configSub = connectRedis(core.config, 'subscriber');
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
  const concurrency =
    opts.concurrency ?? ((route: Route) => live.current().concurrency[route] ?? h.concurrency);
  // An account's own limit (set on the account) applies when the live config names none.
  const accountLimit = cachedLookup(
    async (accountId: number) => {
      const a = await core.repos.accounts.get(accountId);
      return a?.rateLimit ? { rate: a.rateLimit, burst: a.rateBurst ?? a.rateLimit } : undefined;
    },
    { ttlMs: 5000 },
  );
  const limitOf = async (accountId: number) =>
    live.current().rateLimits[String(accountId)] ?? (await accountLimit(accountId));
  /** Whether an account's provider sends many receivers per call (then limits count calls). */
  const batchProvider = async (accountId: number) => {
    const a = await loadAccount(accountId);
    return (a ? (catalog.find(a.channel, a.provider)?.capabilities.batch ?? 0) : 0) > 1;
  };
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
    // Batch providers (SMS, WeCom app): sends with the same content share calls; a call counts
    // once against the route's concurrency and the account's rate limit. Codes never wait.
    batching: {
      lingerMs: (d) => (d.messageType === 'auth' ? 0 : h.batchLingerMs),
      gate: createCallGate({ concurrency, limitOf, limiter }),
      // Every provider call (single and batch) and token fetch, for the provider metrics.
      observe: providerObserver(metrics),
    },
  });
  const { senders } = platformSenders;
  const steps = createSteps({
    redis: core.redis,
    keys: core.keys,
    rateLimiter: limiter,
    fallbackRateLimit: accountLimit,
    perCallRateLimit: batchProvider,
  });
  const filter: DeliverDeps['filter'] =
    opts.filter ?? ((input) => runSteps(steps, { ...input, config: live.current() }));
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
    routing: (route) => live.current().routing[route],
    batchOf: (route) => catalog.batchOf(route.split('.')[0]!),
    settings: h,
    ...(h.routes ? { routes: h.routes } : {}),
    log: core.log,
    metrics,
  });
  // Status callbacks to the apps that sent: their own consumer group and outbox, never in the
  // way of sends. Each loop below blocks on a connection of its own.
  const callbacksBlocking = connectRedis(core.config, 'blocking');
  const callbacks = await startCallbacks({
    redis: core.redis,
    blocking: callbacksBlocking,
    keys: core.keys,
    partitions: core.config.eventPartitions,
    loadApp: (id) => core.repos.apps.callbackTarget(id),
    consumer: core.instance,
    log: core.log,
    settings: core.config.callbacks,
  });
  // Provider receipts from the inbox: off the send path, so a database outage delays receipts,
  // never sends. (SMS records are written by the scheduler process, which reads every event
  // without taking the handler's CPU: services/scheduler/wire.ts.)
  const receiptsBlocking = connectRedis(core.config, 'blocking');
  const receipts = await startReceipts({
    redis: core.redis,
    blocking: receiptsBlocking,
    keys: core.keys,
    consumer: core.instance,
    log: core.log,
    lookup: async (accountId, r) =>
      r.messageId ??
      (await core.repos.smsRecords.byProviderId(accountId, r.providerMessageId, r.receiver))?.messageId,
    record: (messageId, r) => core.ledger.receipt(messageId, r.state, r.at, r.reason ?? ''),
    expired: async (messageId, _accountId, r) => {
      const rec = await core.repos.smsRecords.get(messageId);
      if (rec?.status === 'sent' && r.state !== 'read') {
        await core.repos.smsRecords.apply([
          {
            kind: 'status',
            record: { ...rec, status: r.state, statusCode: r.reason ?? null, receiptAt: r.at },
          },
        ]);
      }
    },
  });
  const quit = (c: typeof blocking) => () =>
    c.quit().then(
      () => undefined,
      () => c.disconnect(),
    );
  const closers: Closer[] = [
    { name: 'blocking-redis', close: quit(blocking) },
    { name: 'callbacks-blocking-redis', close: quit(callbacksBlocking) },
    { name: 'receipts-blocking-redis', close: quit(receiptsBlocking) },
    { name: 'config-subscriber', close: () => configSub.quit() },
    { name: 'live-config', close: () => live.close() },
    closer,
    { name: 'senders', close: () => platformSenders.close() },
    { name: 'callbacks', close: () => callbacks.stop() },
    { name: 'receipts', close: () => receipts.stop() },
    // Last registered = first closed: stop reading and let in-flight deliveries settle.
    { name: 'handler', close: () => handler.stop() },
  ];
  return { handler, metrics, live, receipts, closers, stop: () => handler.stop() };
}

const cfg = (core: Core) => core.config.handler;
