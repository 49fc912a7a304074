// All-in-one process for the embedded quickstart (`npm start`): a local Redis if none answers,
// SQLite, demo seed, then ingest + handler + aggregator + scheduler in one Node process, each
// built by the same part its own process uses (services/<proc>/wire.ts, pkg/scheduler).

import { consoleRoutes } from '../../pkg/api/console/routes.ts';
import { runProcess } from '../../pkg/process/run.ts';
import { ensureLocalRedis } from '../../pkg/redis/local-server.ts';
import { startScheduler } from '../../pkg/scheduler/index.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { startAggregatorProcess } from '../aggregator/wire.ts';
import { startHandlerProcess } from '../handler/wire.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';
import { smsReceiptsPull, smsRecordsWriter } from '../scheduler/wire.ts';
import { seedDemo } from './seed.ts';

await runProcess(
  'all',
  async (core) => {
    const demo = await seedDemo(core);
    const { routers, closers } = standardRouters(core);
    const ingest = await startIngest(core, { ...routers, pages: consoleRoutes() });
    const handler = await startHandlerProcess(core);
    const aggregator = await startAggregatorProcess({
      config: core.config,
      redis: core.redis,
      keys: core.keys,
      log: core.log,
      registry: ingest.metrics.registry,
    });
    // The handler already moves due delayed entries; the scheduler's own mover would only repeat it.
    const receipts = smsReceiptsPull(core);
    const records = await smsRecordsWriter(core);
    const scheduler = startScheduler(core, {
      mover: false,
      smsReceipts: receipts.pull,
      receiptsEveryMs: core.config.receiptsPullMs,
    });
    const base = `http://127.0.0.1:${ingest.port}`;
    const g = core.config.generated ?? { adminToken: false };
    process.stdout.write(
      [
        '',
        'pushline is running (ingest + handler + aggregator + scheduler in one process)',
        `  API        ${base}/v1   (OpenAPI: ${base}/openapi.json, reference: ${base}/docs)`,
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
      ...records.closers,
      ...receipts.closers,
      ...scheduler.closers,
      ...closers,
      ...aggregator.closers,
      ...handler.closers,
      ...ingest.closers,
    ];
  },
  {
    before: async (config) => {
      if (!config.redisAutostart) return [];
      const log = createLogger({ level: config.logLevel, format: config.logFormat, name: 'all' });
      const local = await ensureLocalRedis({ url: config.redisUrl, dataDir: config.dataDir, log });
      return local.started ? [{ name: 'local-redis', close: () => local.stop() }] : [];
    },
  },
);
