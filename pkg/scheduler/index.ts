/**
 * pkg/scheduler — the `scheduler` process's logic: cron-driven crowd sends under a leader lease
 * (many instances may run, one acts), the delayed-delivery mover, and the SMS-receipt hook.
 *
 * @example
 * import { startScheduler } from './index.ts';
 * const s = startScheduler(core, {}); // s.closers on shutdown
 */
export { chunkRanges, dueRuns, nextRun, runBaseline } from './cron.ts';
export { type SchedulerKeys, schedulerKeys } from './keys.ts';
export { type SmsReceiptPuller, throttledReceipts } from './receipts.ts';
export { executeRun, type RunDeps, type RunOutcome, type SchedulerCounters } from './run.ts';
export { type Scheduler, type SchedulerOptions, startScheduler } from './scheduler.ts';
export { streamsSource, watchedStreams } from './stream-watch.ts';
