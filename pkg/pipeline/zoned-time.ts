import { isTimeZone } from '../domain/timezone.ts';
/**
 * Wall-clock arithmetic in IANA time zones through `Intl` only (no tz database of our own), so
 * quiet hours and per-day caps follow the zone's DST rules as the runtime knows them.
 */

/** Local wall-clock fields of an instant in a zone. */
export type WallClock = Readonly<{ year: number; month: number; day: number; hour: number; minute: number }>;

// Building an Intl.DateTimeFormat costs far more than formatting with one: one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Whether the runtime knows `zone` as an IANA time zone.
 *
 * @example isValidTimeZone('Europe/Berlin') // true
 * @example isValidTimeZone('Mars/Olympus') // false
 */
export const isValidTimeZone = isTimeZone;

/**
 * The wall clock of `ms` in `timeZone` (minute precision). Throws RangeError for an unknown zone.
 *
 * @example wallClock(Date.UTC(2026, 0, 1, 23, 30), 'Asia/Shanghai')
 * // { year: 2026, month: 1, day: 2, hour: 7, minute: 30 }
 */
export function wallClock(ms: number, timeZone: string): WallClock {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0 };
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type in out) out[p.type as keyof typeof out] = Number(p.value);
  }
  return out;
}

/**
 * The local day `YYYY-MM-DD` of an instant in a zone.
 *
 * @example localDay(Date.UTC(2026, 0, 1, 23, 30), 'Asia/Shanghai') // '2026-01-02'
 */
export function localDay(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** Wall-clock fields read as if they were UTC: a monotonic "local minute" scale. */
const asUtc = (w: WallClock): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);

/**
 * The first instant whose wall clock in `timeZone` reads at least the given local date and
 * time. For a normal time that is the time itself; for a time skipped by a DST jump it is the
 * jump (02:30 on a spring-forward night becomes 03:00); for a repeated time it is the first one.
 *
 * @example zonedTimeToUtc({ year: 2026, month: 1, day: 2, hour: 8, minute: 0 }, 'Asia/Shanghai')
 * // Date.UTC(2026, 0, 2, 0, 0)
 */
export function zonedTimeToUtc(local: WallClock, timeZone: string): number {
  const target = asUtc(local);
  // Zone offsets a day around the target: a DST change in between gives two candidates.
  const offsetAt = (ms: number) => asUtc(wallClock(ms, timeZone)) - Math.floor(ms / 60_000) * 60_000;
  const candidates = [...new Set([offsetAt(target - 86_400_000), offsetAt(target + 86_400_000)])]
    .map((off) => target - off)
    .sort((a, b) => a - b);
  for (const t of candidates) if (asUtc(wallClock(t, timeZone)) === target) return t;
  // In a gap: binary-search (minute steps) the first instant at or past the target wall time.
  let lo = candidates[0]!;
  let hi = candidates[candidates.length - 1]!;
  if (asUtc(wallClock(hi, timeZone)) < target) hi += 86_400_000;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (asUtc(wallClock(mid, timeZone)) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Minutes after midnight of `HH:MM`; undefined when malformed.
 *
 * @example parseHhmm('22:30') // 1350
 */
export function parseHhmm(s: string): number | undefined {
  const m = HHMM.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}
