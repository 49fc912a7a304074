// The aggregator process: folds lifecycle events into counters and traces (pkg/stats).
// Options beyond the environment (pkg/config): `--lease-ms=<n>` partition lease time to live
// (default 10000), used by tests and operators who want faster takeover.
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { createKeys } from '../../pkg/keys/keys.ts';
import { onShutdown } from '../../pkg/runtime/lifecycle.ts';
import { dependencyChecks, startOpsServer } from '../../pkg/runtime/ops-server.ts';
import { connectRedis } from '../../pkg/runtime/redis.ts';
import { startAggregator } from '../../pkg/stats/aggregator.ts';
import { lagCheck } from '../../pkg/stats/lag.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';

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

const keys = createKeys(config.keyPrefix);
const metrics = createMetrics({ process: 'aggregator' });
const aggregator = await startAggregator({
  redis,
  blocking,
  keys,
  registry: metrics.registry,
  partitions: config.eventPartitions,
  timezone: config.timezone,
  traceTtlDays: config.traceTtlDays,
  counterTtlDays: config.counterTtlDays,
  log,
  ...(leaseTtlMs ? { leaseTtlMs } : {}),
});
shutdown.add({ name: 'aggregator', close: () => aggregator.close() });

// Readiness shows how far folding is behind (events written but not yet folded), as ingest does.
const ops = await startOpsServer({
  port: config.opsPort,
  host: config.host,
  log,
  registry: metrics.registry,
  ready: async () => {
    const checks = await dependencyChecks({ redis })();
    checks.aggregator = await lagCheck({ redis, keys, partitions: config.eventPartitions }).catch(
      (err: Error) => ({ ok: false, detail: err.message }),
    );
    return checks;
  },
});
for (const c of ops.closers) shutdown.add(c);
