// Scheduler process: cron-driven crowd sends (one leader acts, others stand by), the mover of
// due delayed deliveries, SMS receipt pulls (leader) and the SMS record writer (pkg/scheduler,
// pkg/sms-records).
// Wiring: config → core clients (pkg/process/run.ts) → scheduler part (pkg/scheduler) → ops server.
import { dependencyChecks, startOpsServer } from '../../pkg/api/ops-server.ts';
import { runProcess } from '../../pkg/process/run.ts';
import { smsReceiptsPull, smsRecordsWriter, startMeteredScheduler } from './wire.ts';

await runProcess('scheduler', async (core) => {
  const receipts = smsReceiptsPull(core);
  const records = await smsRecordsWriter(core);
  const { scheduler, metrics } = startMeteredScheduler(core, {
    smsReceipts: receipts.pull,
    receiptsEveryMs: core.config.receiptsPullMs,
  });
  const ops = await startOpsServer({
    port: core.config.opsPort,
    host: core.config.host,
    log: core.log,
    registry: metrics.registry,
    ready: dependencyChecks({ redis: core.redis, db: core.db }),
  });
  return [...records.closers, ...receipts.closers, ...scheduler.closers, ...ops.closers];
});
