import type { Route } from '../domain/channels.ts';
import type { Keys } from '../keys/keys.ts';

/**
 * The scheduler's Redis keys.
 * TODO(lead): move `runs` and `runProgress` into pkg/keys/keys.ts (built here from `keys.prefix`
 * until then; the names are final).
 *
 * @example
 * const k = schedulerKeys(createKeys('push:'));
 * k.runProgress('email.notice', 12, 1767261600000) // 'push:sched:{email.notice}:run:12:1767261600000'
 */
export function schedulerKeys(keys: Keys) {
  const p = keys.prefix;
  return Object.freeze({
    /** Leader lease (string holding the leader's instance id). */
    lease: keys.lease('scheduler'),
    /**
     * Hash of run bookkeeping per template: `last:<id>` = time (ms) of its last completed run,
     * `cur:<id>` = time of the run in progress (resumed by whichever instance leads next).
     */
    runs: `${p}sched:runs`,
    /**
     * Hash of one run's progress: `crowd` (the crowd file the run sends to, pinned at its start),
     * `c:<n>` per appended chunk, `sent`, `skipped`. Tagged with the route, like the stream,
     * so marking a chunk and appending it are one script.
     */
    runProgress: (route: Route, templateId: number, runAt: number) =>
      `${p}sched:{${route}}:run:${templateId}:${runAt}`,
  });
}

export type SchedulerKeys = ReturnType<typeof schedulerKeys>;
