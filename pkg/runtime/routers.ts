import { adminRoutes } from '../api/admin/routes.ts';
import { configRoutes } from '../api/config/routes.ts';
import { dataRoutes } from '../api/data/routes.ts';
import { takeAppTokens } from '../pipeline/app-rate.ts';
import { publishConfigChanged } from '../pipeline/live-config.ts';
import { lagCheck } from '../stats/lag.ts';
import type { Core } from './core.ts';
import { publishTemplateChanged } from './core.ts';
import type { ExtraRouters } from './ingest.ts';
import type { Closer } from './lifecycle.ts';
import { connectRedis } from './redis.ts';

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
  const tail = connectRedis(core.config.redisUrl, 'subscriber');
  const lagWarn = opts.lagWarn ?? 100_000;
  const routers: ExtraRouters = {
    admin: adminRoutes({
      repos: core.repos,
      onTemplateChanged: (id: number) => void publishTemplateChanged(core, id),
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
        templateExists: async (id) => Boolean(await core.repos.templates.get(id, { includeDeleted: true })),
      }),
    ],
    appRate: (appId, count, rate) => takeAppTokens(core.redis, core.keys, appId, count, rate),
    // Lag is reported, and only a very large backlog marks the aggregator as unhealthy.
    readyDetails: async () => ({
      aggregator: await lagCheck(
        { redis: core.redis, keys: core.keys, partitions: core.config.eventPartitions },
        lagWarn,
      ),
    }),
  };
  return { routers, closers: [{ name: 'live-tail-subscriber', close: () => tail.quit() }] };
}
