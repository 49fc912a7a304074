// All-in-one process for the embedded quickstart (`npm start`): a local Redis if none answers,
// SQLite, demo seed, then ingest + handler + aggregator + scheduler in one Node process.

import { consoleRoutes } from '../../pkg/api/console/routes.ts';
import { startHandlerProcess } from '../../pkg/runtime/handler.ts';
import { startIngest } from '../../pkg/runtime/ingest.ts';
import { ensureLocalRedis } from '../../pkg/runtime/local-redis.ts';
import { connectRedis } from '../../pkg/runtime/redis.ts';
import { standardRouters } from '../../pkg/runtime/routers.ts';
import { runProcess } from '../../pkg/runtime/run.ts';
import { seedDemo } from '../../pkg/runtime/seed.ts';
import { startScheduler } from '../../pkg/scheduler/index.ts';
import { startAggregator } from '../../pkg/stats/aggregator.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

await runProcess(
  'all',
  async (core) => {
    const demo = await seedDemo(core);
    const { routers, closers } = standardRouters(core);
    const ingest = await startIngest(core, { ...routers, pages: consoleRoutes() });
    const handler = await startHandlerProcess(core);
    const aggBlocking = connectRedis(core.config.redisUrl, 'blocking');
    const aggregator = await startAggregator({
      redis: core.redis,
      blocking: aggBlocking,
      keys: core.keys,
      partitions: core.config.eventPartitions,
      timezone: core.config.timezone,
      traceTtlDays: core.config.traceTtlDays,
      counterTtlDays: core.config.counterTtlDays,
      leaseTtlMs: core.config.aggregatorLeaseMs,
      log: core.log,
      registry: ingest.metrics.registry,
    });
    // The handler already moves due delayed entries; the scheduler's own mover would only repeat it.
    const scheduler = startScheduler(core, { mover: false });
    const base = `http://127.0.0.1:${ingest.port}`;
    const g = core.config.generated ?? { adminToken: false };
    process.stdout.write(
      [
        '',
        'pushline is running (ingest + handler + aggregator + scheduler in one process)',
        `  API        ${base}/v1   (OpenAPI: ${base}/openapi.json)`,
        `  console    ${base}/console`,
        `  database   ${core.config.databaseUrl.startsWith('sqlite') ? core.config.databaseUrl : 'mysql (DATABASE_URL)'}`,
        `  admin token ${g.adminToken ? `${core.config.adminToken}  (generated into ${core.config.dataDir}/admin.token)` : '(from ADMIN_TOKEN)'}`,
        `  demo app key ${demo.apiKey}`,
        '',
        'Send a message through the sandbox channel:',
        `  curl -sS -X POST ${base}/v1/send -H 'Authorization: Bearer ${demo.apiKey}' -H 'Content-Type: application/json' \\`,
        `    -d '{"templateId": ${demo.templateId}, "messages": [{"receivers": ["ann@example.com"], "variables": {"name": "Ann"}}]}'`,
        'See what the sandbox delivered:',
        `  curl -sS '${base}/v1/sandbox/messages?limit=5' -H 'Authorization: Bearer ${demo.apiKey}'`,
        '',
      ].join('\n'),
    );
    return [
      ...scheduler.closers,
      { name: 'aggregator-blocking', close: () => aggBlocking.disconnect() },
      ...closers,
      { name: 'aggregator', close: () => aggregator.close() },
      ...handler.closers,
      ...ingest.closers,
    ];
  },
  {
    before: async (config) => {
      if (!config.redisAutostart) return [];
      const log = createLogger({ level: config.logLevel, name: 'all' });
      const local = await ensureLocalRedis({ url: config.redisUrl, dataDir: config.dataDir, log });
      return local.started ? [{ name: 'local-redis', close: () => local.stop() }] : [];
    },
  },
);
