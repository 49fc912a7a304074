// Handler process: consumes the delivery streams, filters, sends, records every state.
// Wiring: config → core clients (Redis, database, ledger; pkg/process/run.ts) → handler part
// (./wire.ts: template cache, live config, filter steps, senders, delivery loops) → ops server.
// Closers run in reverse: stop serving, stop reading, then close clients.
import { dependencyChecks, startOpsServer } from '../../pkg/api/ops-server.ts';
import { runProcess } from '../../pkg/process/run.ts';
import { startHandlerProcess } from './wire.ts';

await runProcess('handler', async (core) => {
  const handler = await startHandlerProcess(core);
  const ops = await startOpsServer({
    port: core.config.opsPort,
    host: core.config.host,
    log: core.log,
    registry: handler.metrics.registry,
    ready: dependencyChecks({ redis: core.redis, db: core.db }),
  });
  return [...handler.closers, ...ops.closers];
});
