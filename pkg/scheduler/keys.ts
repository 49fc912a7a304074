import type { Keys } from '../redis/keys.ts';

/**
 * The scheduler's view of the platform keys (all built in pkg/redis/keys.ts from the one prefix).
 *
 * @example
 * const k = schedulerKeys(createKeys('push:'));
 * k.runProgress('email.notice', 12, 1767261600000) // 'push:sched:{email.notice}:run:12:1767261600000'
 */
export function schedulerKeys(keys: Keys) {
  return Object.freeze({
    /** Leader lease (string holding the leader's instance id). */
    lease: keys.lease('scheduler'),
    /** Run bookkeeping per template (see `Keys.schedRuns`). */
    runs: keys.schedRuns(),
    /** One run's progress (see `Keys.schedRunProgress`). */
    runProgress: keys.schedRunProgress,
  });
}

export type SchedulerKeys = ReturnType<typeof schedulerKeys>;
