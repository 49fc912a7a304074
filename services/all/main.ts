// All-in-one process for the embedded quickstart (`npm start`): a local Redis if none answers,
// SQLite, demo seed, then ingest + handler + aggregator + scheduler in one Node process, each
// built by the same part its own process uses (./wire.ts over services/<proc>/wire.ts), each
// with its own metrics registry, all served at ingest's /metrics.

import { securePrivateTree } from '../../pkg/files/private.ts';
import { runProcess } from '../../pkg/process/run.ts';
import { ensureLocalRedis } from '../../pkg/redis/local-server.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { seedDemo } from './seed.ts';
import { startAll } from './wire.ts';

await runProcess(
  'all',
  async (core) => {
    const demo = await seedDemo(core);
    const all = await startAll(core);
    const base = `http://127.0.0.1:${all.port}`;
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
    return all.closers;
  },
  {
    before: async (config) => {
      // DATA_DIR holds the credentials, the database and Redis's files: 0700, its files 0600,
      // including those an older version left readable.
      securePrivateTree(config.dataDir);
      // The private redis-server is one node; a cluster is the operator's.
      if (!config.redisAutostart || config.redisClusterNodes) return [];
      const log = createLogger({
        level: config.logLevel,
        format: config.logFormat,
        redact: config.logRedact,
        name: 'all',
      });
      const local = await ensureLocalRedis({
        url: config.redisUrl,
        dataDir: config.dataDir,
        log,
        appendfsync: config.redisAppendfsync,
      });
      return local.started ? [{ name: 'local-redis', close: () => local.stop() }] : [];
    },
  },
);
