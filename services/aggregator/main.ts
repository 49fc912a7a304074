// The aggregator process: folds lifecycle events into counters and traces (pkg/stats).
// Wiring: config → Redis → aggregator part (./wire.ts) → ops server (/healthz, /readyz, /metrics).
// No database: the aggregator only reads and writes Redis.
// Options beyond the environment (pkg/config): `--lease-ms=<n>` partition lease time to live
// (default 10000), used by tests and operators who want faster takeover.
import { dependencyChecks, startOpsServer } from '../../pkg/api/ops-server.ts';
import { configOrExit, loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { onShutdown } from '../../pkg/process/shutdown.ts';
import { connectRedis } from '../../pkg/redis/client.ts';
import { createKeys } from '../../pkg/redis/keys.ts';
import { lagCheck } from '../../pkg/stats/lag.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import { startTracing } from '../../pkg/telemetry/tracing.ts';
import { startAggregatorProcess } from './wire.ts';

// 1. config
const config = configOrExit('aggregator', () => withDevSecrets(loadConfig()));
const log = createLogger({
  level: config.logLevel,
  format: config.logFormat,
  redact: config.logRedact,
  name: 'aggregator',
});
const leaseArg = process.argv.find((a) => a.startsWith('--lease-ms='));
const leaseTtlMs = leaseArg ? Number(leaseArg.slice('--lease-ms='.length)) : config.aggregatorLeaseMs;
if (leaseTtlMs !== undefined && !(Number.isInteger(leaseTtlMs) && leaseTtlMs >= 300)) {
  log.fatal({ leaseArg }, '--lease-ms must be an integer >= 300');
  process.exit(2);
}
const shutdown = onShutdown(log);
// Closed last (closers run in reverse): spans of the final batches are flushed.
const stopTracing = await startTracing({
  endpoint: config.otel.endpoint,
  serviceName: `${config.otel.serviceName}-aggregator`,
  sampleRatio: config.otel.sampleRatio,
  protocol: config.otel.protocol,
});
shutdown.add({ name: 'tracing', close: stopTracing });

// 2. clients
const redis = connectRedis(config, 'command');
shutdown.add({ name: 'redis', close: () => redis.quit() });
const keys = createKeys(config.keyPrefix);
const metrics = createMetrics({ process: 'aggregator' });

// 3. parts
const aggregator = await startAggregatorProcess({
  config,
  redis,
  keys,
  log,
  registry: metrics.registry,
  leaseTtlMs,
});
for (const c of aggregator.closers) shutdown.add(c);

// 4. serve: readiness shows how far folding is behind (events written but not yet folded).
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
