import type { Registry } from 'prom-client';
import type { Config } from '../../pkg/config/config.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import type { RedisClient as Redis } from '../../pkg/redis/client.ts';
import { connectRedis } from '../../pkg/redis/client.ts';
import type { Keys } from '../../pkg/redis/keys.ts';
import { startAggregator } from '../../pkg/stats/aggregator.ts';
import type { Logger } from '../../pkg/telemetry/logger.ts';

/**
 * The aggregator's part, shared by `services/aggregator` and the all-in-one process: its own
 * blocking connection for XREADGROUP BLOCK, and the leased folding of event partitions.
 * Closers are in registration order (close in reverse).
 *
 * @example
 * const agg = await startAggregatorProcess({ config, redis, keys, log, registry });
 * for (const c of [...agg.closers].reverse()) await c.close();
 */
export async function startAggregatorProcess(deps: {
  config: Pick<
    Config,
    | 'redisUrl'
    | 'redisClusterNodes'
    | 'eventPartitions'
    | 'timezone'
    | 'traceTtlDays'
    | 'counterTtlDays'
    | 'aggregatorLeaseMs'
  >;
  redis: Redis;
  keys: Keys;
  log: Logger;
  registry: Registry;
  /** Overrides `config.aggregatorLeaseMs` (the `--lease-ms` flag). */
  leaseTtlMs?: number | undefined;
}): Promise<{ closers: Closer[] }> {
  const { config } = deps;
  const blocking = connectRedis(config, 'blocking');
  const leaseTtlMs = deps.leaseTtlMs ?? config.aggregatorLeaseMs;
  const aggregator = await startAggregator({
    redis: deps.redis,
    blocking,
    keys: deps.keys,
    registry: deps.registry,
    partitions: config.eventPartitions,
    timezone: config.timezone,
    traceTtlDays: config.traceTtlDays,
    counterTtlDays: config.counterTtlDays,
    log: deps.log,
    ...(leaseTtlMs ? { leaseTtlMs } : {}),
  });
  return {
    closers: [
      { name: 'aggregator-blocking', close: () => blocking.disconnect() },
      { name: 'aggregator', close: () => aggregator.close() },
    ],
  };
}
