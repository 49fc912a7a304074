import { AppError } from '../domain/errors.ts';

/** A calendar day `YYYY-MM-DD` (in the platform's time zone). */
export type Day = string;
/** An hour bucket `YYYY-MM-DDTHH` (wall-clock hour in the platform's time zone). */
export type Hour = string;

/**
 * The longest range a stats read may span, in days.
 *
 * @example dayRange(from, to, MAX_STATS_DAYS)
 */
export const MAX_STATS_DAYS = 92;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * True for a real calendar date written `YYYY-MM-DD` (rejects `2026-02-30`).
 *
 * @example isDay('2026-11-23') // true
 */
export function isDay(s: unknown): s is Day {
  if (typeof s !== 'string') return false;
  const m = DAY_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/**
 * The day `n` days after `day` (calendar arithmetic, independent of any time zone).
 *
 * @example addDays('2026-12-31', 1) // '2027-01-01'
 */
export function addDays(day: Day, n: number): Day {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/**
 * Every day from `from` to `to` inclusive. Throws a 422 `VALIDATION_FAILED` when a bound is not a
 * day, `to` is before `from`, or the range is longer than {@link MAX_STATS_DAYS}.
 *
 * @example dayRange('2026-11-30', '2026-12-02') // ['2026-11-30', '2026-12-01', '2026-12-02']
 */
export function dayRange(from: string, to: string, maxDays = MAX_STATS_DAYS): Day[] {
  for (const [name, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!isDay(v))
      throw new AppError('VALIDATION_FAILED', 422, `${name} must be a date YYYY-MM-DD`, [
        { path: name, message: 'expected YYYY-MM-DD' },
      ]);
  }
  if (to < from) throw new AppError('VALIDATION_FAILED', 422, 'to must not be before from');
  const days: Day[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    if (days.length === maxDays)
      throw new AppError('VALIDATION_FAILED', 422, `range longer than ${maxDays} days`, { maxDays });
    days.push(d);
  }
  return days;
}

/**
 * The 24 hour buckets of a day, `T00`..`T23`.
 *
 * @example hoursOf('2026-11-23')[9] // '2026-11-23T09'
 */
export const hoursOf = (day: Day): Hour[] =>
  Array.from({ length: 24 }, (_, h) => `${day}T${String(h).padStart(2, '0')}`);

/**
 * Maps epoch milliseconds to day and hour buckets in one IANA time zone. Formatting with Intl is
 * slow next to a fold's other work, so results are cached per 15-minute slot: every zone offset
 * in use is a multiple of 15 minutes, so all instants of one slot share a wall-clock hour.
 * Throws a RangeError for an unknown zone (at construction, not on the first event).
 *
 * @example const b = bucketer('Asia/Shanghai'); b(Date.parse('2026-11-22T16:30:00Z')) // { day: '2026-11-23', hour: '2026-11-23T00' }
 */
export function bucketer(timeZone: string): (ms: number) => { day: Day; hour: Hour } {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  });
  const cache = new Map<number, { day: Day; hour: Hour }>();
  return (ms) => {
    const slot = Math.floor(ms / 900_000);
    const hit = cache.get(slot);
    if (hit) return hit;
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(ms)) p[part.type] = part.value;
    const day = `${p.year}-${p.month}-${p.day}`;
    const v = { day, hour: `${day}T${p.hour}` };
    if (cache.size > 10_000) cache.clear();
    cache.set(slot, v);
    return v;
  };
}

/**
 * Today's day in a time zone.
 *
 * @example todayIn('Asia/Shanghai', Date.parse('2026-11-22T16:30:00Z')) // '2026-11-23'
 */
export const todayIn = (timeZone: string, now: number = Date.now()): Day => bucketer(timeZone)(now).day;
