/** Longest wait a Retry-After may ask for: retry schedules top out at a day. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/**
 * A `Retry-After` value (delay seconds or an HTTP-date) in ms from `nowMs`, capped at a day;
 * `undefined` when absent or unreadable.
 *
 * @example retryAfterMs('120', 0) // 120000
 * @example retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:00Z')) // 60000
 */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  // An HTTP-date always names a month or weekday; this keeps Date.parse from reading '1.5' as a date.
  if (!/[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}
