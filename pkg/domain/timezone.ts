/**
 * Whether the runtime knows `zone` as an IANA time zone.
 *
 * @example isTimeZone('Asia/Shanghai') // true
 * @example isTimeZone('Mars/Olympus') // false
 */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
