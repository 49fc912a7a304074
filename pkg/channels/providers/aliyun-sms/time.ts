/**
 * Alibaba Cloud's clocks: request timestamps are ISO 8601 UTC to the second, while SMS dates
 * and times (SendDate, ReceiveDate, report_time) are Beijing time, UTC+8 (no daylight saving).
 */

const UTC8_MS = 8 * 3600_000;

/**
 * A request timestamp (`Timestamp`, `x-acs-date`): ISO 8601 UTC without milliseconds.
 *
 * @example isoSeconds(Date.UTC(2017, 6, 12, 2, 42, 19, 500)) // '2017-07-12T02:42:19Z'
 */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The Beijing date of an instant as QuerySendDetails' `SendDate` wants it.
 *
 * @example shanghaiDate(Date.UTC(2024, 0, 1, 16, 30)) // '20240102' (00:30 on 2 Jan in Beijing)
 */
export const shanghaiDate = (ms: number): string =>
  new Date(ms + UTC8_MS).toISOString().slice(0, 10).replaceAll('-', '');

/**
 * A Beijing wall-clock time `yyyy-MM-dd HH:mm:ss` of an instant (what Aliyun answers with).
 *
 * @example shanghaiTime(Date.UTC(2024, 0, 1, 16, 30)) // '2024-01-02 00:30:00'
 */
export const shanghaiTime = (ms: number): string =>
  new Date(ms + UTC8_MS).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Reads a Beijing wall-clock time `yyyy-MM-dd HH:mm:ss` back into ms since the epoch;
 * `undefined` when it is not one.
 *
 * @example parseShanghaiTime('2024-01-02 00:30:00') // Date.UTC(2024, 0, 1, 16, 30)
 */
export function parseShanghaiTime(text: unknown): number | undefined {
  const m =
    typeof text === 'string' && /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - UTC8_MS;
  return Number.isFinite(ms) ? ms : undefined;
}
