// Scheduler process: cron-driven crowd sends (one leader acts, others stand by), the mover of
// due delayed deliveries, and the SMS receipt hook (pkg/scheduler).
// Wiring: config → core clients (pkg/process/run.ts) → scheduler part (pkg/scheduler) → ops server.
import { dependencyChecks, startOpsServer } from '../../pkg/api/ops-server.ts';
import { runProcess } from '../../pkg/process/run.ts';
import { startScheduler } from '../../pkg/scheduler/index.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import { smsReceiptsPull } from './wire.ts';

await runProcess('scheduler', async (core) => {
  const receipts = smsReceiptsPull(core);
  const scheduler = startScheduler(core, {
    smsReceipts: receipts.pull,
    receiptsEveryMs: core.config.receiptsPullMs,
  });
  const ops = await startOpsServer({
    port: core.config.opsPort,
    host: core.config.host,
    log: core.log,
    registry: createMetrics({ process: 'scheduler' }).registry,
    ready: dependencyChecks({ redis: core.redis, db: core.db }),
  });
  return [...receipts.closers, ...scheduler.closers, ...ops.closers];
});
