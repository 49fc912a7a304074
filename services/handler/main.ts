// Handler process: consumes the delivery streams, filters, sends, records every state.
import { startHandlerProcess } from '../../pkg/runtime/handler.ts';
import { dependencyChecks, startOpsServer } from '../../pkg/runtime/ops-server.ts';
import { runProcess } from '../../pkg/runtime/run.ts';

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
