import { CronExpressionParser } from 'cron-parser';

/**
 * The run times of a cron expression due in `(lastRunAt, now]`, oldest first, in time zone `tz`.
 *
 * Capped at `max` (default 1) of the LATEST due times: a scheduler that was down for a day with
 * an every-minute cron fires once for the latest missed minute, not 1,440 times. Pure: the clock
 * is the `now` argument. Throws on an invalid expression or time zone (templates are validated
 * on write, so the caller logs and skips).
 *
 * @example
 * const t = Date.parse('2026-01-01T10:05:30Z');
 * dueRuns('* * * * *', t - 60_000, t, 'UTC')      // [Date.parse('2026-01-01T10:05:00Z')]
 * dueRuns('* * * * *', t - 86_400_000, t, 'UTC')  // one run, the latest: 10:05:00
 * dueRuns('0 9 * * *', t - 60_000, t, 'UTC')      // []
 */
export function dueRuns(
  cron: string,
  lastRunAt: number,
  now: number,
  tz: string,
  opts: { max?: number } = {},
): number[] {
  const max = Math.max(1, Math.floor(opts.max ?? 1));
  if (!(now > lastRunAt)) return [];
  // `prev()` is strictly before currentDate; +1 ms makes a run exactly at `now` count as due.
  const it = CronExpressionParser.parse(cron, { currentDate: new Date(now + 1), tz });
  const due: number[] = [];
  while (due.length < max) {
    const t = it.prev().getTime();
    if (t <= lastRunAt) break;
    due.push(t);
  }
  return due.reverse();
}

/**
 * The next run time strictly after `after` (for logs and the console), or undefined when the
 * expression never fires again or does not parse.
 *
 * @example nextRun('0 9 * * *', Date.parse('2026-01-01T10:00:00Z'), 'UTC') // 2026-01-02T09:00:00Z in ms
 */
export function nextRun(cron: string, after: number, tz: string): number | undefined {
  try {
    return CronExpressionParser.parse(cron, { currentDate: new Date(after), tz })
      .next()
      .getTime();
  } catch {
    return undefined;
  }
}

/**
 * Where a template's runs count from: its last completed run, but never before its last change.
 * An edit or a `/start` after a pause moves `updatedAt`, so runs missed while a template was
 * paused (or before it existed) are not fired when it becomes active.
 *
 * @example runBaseline(undefined, 1000) // 1000; runBaseline(5000, 1000) // 5000
 */
export function runBaseline(lastRunAt: number | undefined, updatedAt: number): number {
  return Math.max(lastRunAt ?? 0, updatedAt);
}

/**
 * Splits `n` rows into chunks of at most `size`: `[start, end)` index pairs, in order.
 *
 * @example chunkRanges(5, 2) // [[0, 2], [2, 4], [4, 5]]
 */
export function chunkRanges(n: number, size: number): [number, number][] {
  const s = Math.max(1, Math.floor(size));
  const out: [number, number][] = [];
  for (let i = 0; i < n; i += s) out.push([i, Math.min(n, i + s)]);
  return out;
}
