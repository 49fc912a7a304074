// Scheduler process: cron-driven crowd sends (one leader acts, others stand by), the mover of
// due delayed deliveries, and the SMS receipt hook (pkg/scheduler).
import { runProcess } from '../../pkg/runtime/run.ts';
import { startScheduler } from '../../pkg/scheduler/index.ts';

await runProcess('scheduler', async (core) => startScheduler(core).closers);
