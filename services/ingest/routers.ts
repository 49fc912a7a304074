import { adminRoutes } from '../../pkg/api/admin/routes.ts';
import { callbackRoutes } from '../../pkg/api/callback-routes.ts';
import { configRoutes } from '../../pkg/api/config/routes.ts';
import { dataRoutes } from '../../pkg/api/data/routes.ts';
import { deadLetterRoutes } from '../../pkg/api/dead-letter-routes.ts';
import { streamsRoutes } from '../../pkg/api/streams-routes.ts';
import { catalog } from '../../pkg/channels/catalog.ts';
import { channelOperations } from '../../pkg/channels/operations.ts';
import { cachedAccounts, createPlatformSenders } from '../../pkg/channels/senders.ts';
import { createDeadLetters } from '../../pkg/deadletters/dead-letters.ts';
import { takeAppTokens } from '../../pkg/pipeline/app-rate.ts';
import { publishConfigChanged } from '../../pkg/pipeline/live-config.ts';
import type { Core } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { addReceipts } from '../../pkg/receipts/inbox.ts';
import { connectRedis } from '../../pkg/redis/client.ts';
import { keyCommand } from '../../pkg/redis/cluster.ts';
import { watchedStreams } from '../../pkg/scheduler/stream-watch.ts';
import { lagCheck } from '../../pkg/stats/lag.ts';
import { readStreams } from '../../pkg/telemetry/stream-metrics.ts';
import { publishTemplateChanged } from '../../pkg/templates/changes.ts';
import type { ExtraRouters } from './wire.ts';

/**
 * The routers every ingest serves beyond the send API: admin (apps, accounts, templates),
 * live config, data (traces, stats, live tail), plus per-app rate limits and the aggregator's
 * lag in `/readyz`.
 *
 * @example const { routers, closers } = standardRouters(core); await startIngest(core, routers);
 */
export function standardRouters(
  core: Core,
  opts: { lagWarn?: number } = {},
): { routers: ExtraRouters; closers: Closer[] } {
  const tail = connectRedis(core.config, 'subscriber');
  const lagWarn = opts.lagWarn ?? 100_000;
  // Ingest talks to providers too: connection tests, recall of sent messages, receipt callbacks.
  const platformSenders = createPlatformSenders({
    catalog,
    redis: core.redis,
    keys: core.keys,
    loadAccount: cachedAccounts(core.repos.accounts),
    breaker: core.config.handler.breaker,
  });
  const ops = channelOperations(platformSenders.senders);
  const watched = watchedStreams(core.keys, core.config.eventPartitions);
  const routers: ExtraRouters = {
    admin: adminRoutes({
      repos: core.repos,
      crowdMaxBytes: core.config.crowdMaxBytes,
      timezone: core.config.timezone,
      onTemplateChanged: (id: number) => void publishTemplateChanged(core, id),
      testAccount: (id) => ops.testAccount(id),
      log: core.log,
    }),
    config: configRoutes({
      store: core.repos.configStore,
      publish: () => publishConfigChanged(core.redis, core.keys),
      timezone: core.config.timezone,
      log: core.log,
    }),
    data: [
      dataRoutes({
        redis: core.redis,
        keys: core.keys,
        partitions: core.config.eventPartitions,
        timezone: core.config.timezone,
        subscriber: tail,
        templateOwner: async (id) => (await core.repos.templates.get(id, { includeDeleted: true }))?.appId,
      }),
      callbackRoutes({
        ops,
        checkToken: (id, token) => core.repos.accounts.checkCallbackToken(id, token),
        accountOf: (id) => core.repos.accounts.get(id),
        recordReceipts: (accountId, receipts) => addReceipts(core.redis, core.keys, accountId, receipts),
        log: core.log,
      }),
    ],
    deadLetters: deadLetterRoutes({
      deadLetters: createDeadLetters({ redis: core.redis, keys: core.keys, ledger: core.ledger }),
    }),
    streams: streamsRoutes({
      keys: core.keys,
      partitions: core.config.eventPartitions,
      read: readStreams({
        redis: {
          xinfoGroups: (key) => keyCommand(core.redis, key, ['XINFO', 'GROUPS', key]),
          xlen: (key) => core.redis.xlen(key),
        },
        prefix: core.keys.prefix,
        streams: () => watched.streams,
        deadLetters: () => watched.deadLetters,
      }),
      consumers: (key, group) => keyCommand(core.redis, key, ['XINFO', 'CONSUMERS', key, group]),
    }),
    recallAtProvider: (accountId, req) => ops.recall(accountId, req),
    recallsPerCall: (accountId) => ops.recallsPerCall(accountId),
    appRate: (appId, count, rate) => takeAppTokens(core.redis, core.keys, appId, count, rate),
    // Lag is reported, and only a very large backlog marks the aggregator as unhealthy.
    readyDetails: async () => ({
      aggregator: await lagCheck(
        { redis: core.redis, keys: core.keys, partitions: core.config.eventPartitions },
        lagWarn,
      ),
    }),
  };
  return {
    routers,
    closers: [
      { name: 'live-tail-subscriber', close: () => tail.quit() },
      { name: 'senders', close: () => platformSenders.close() },
    ],
  };
}
