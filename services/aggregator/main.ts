// The aggregator process: folds lifecycle events into counters and traces (pkg/stats).
// Options beyond the environment (pkg/config): `--lease-ms=<n>` partition lease time to live
// (default 10000), used by tests and operators who want faster takeover.
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { createKeys } from '../../pkg/keys/keys.ts';
import { onShutdown } from '../../pkg/runtime/lifecycle.ts';
import { connectRedis } from '../../pkg/runtime/redis.ts';
import { startAggregator } from '../../pkg/stats/aggregator.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

const config = withDevSecrets(loadConfig());
const log = createLogger({ level: config.logLevel, name: 'aggregator' });
const leaseArg = process.argv.find((a) => a.startsWith('--lease-ms='));
const leaseTtlMs = leaseArg ? Number(leaseArg.slice('--lease-ms='.length)) : config.aggregatorLeaseMs;
if (leaseTtlMs !== undefined && !(Number.isInteger(leaseTtlMs) && leaseTtlMs >= 300)) {
  log.fatal({ leaseArg }, '--lease-ms must be an integer >= 300');
  process.exit(2);
}

const shutdown = onShutdown(log);
const redis = connectRedis(config.redisUrl, 'command');
shutdown.add({ name: 'redis', close: () => redis.quit() });
const blocking = connectRedis(config.redisUrl, 'blocking');
shutdown.add({ name: 'redis-blocking', close: () => blocking.disconnect() });

const aggregator = await startAggregator({
  redis,
  blocking,
  keys: createKeys(config.keyPrefix),
  partitions: config.eventPartitions,
  timezone: config.timezone,
  traceTtlDays: config.traceTtlDays,
  counterTtlDays: config.counterTtlDays,
  log,
  ...(leaseTtlMs ? { leaseTtlMs } : {}),
});
shutdown.add({ name: 'aggregator', close: () => aggregator.close() });
