import { namedStep, type Step } from './types.ts';
import { isValidTimeZone, parseHhmm, wallClock, zonedTimeToUtc } from './zoned-time.ts';

/** A daily window of local wall-clock times, `HH:MM` each; `start > end` crosses midnight. */
export type QuietWindow = Readonly<{ start: string; end: string }>;

/**
 * When `now` falls inside the daily quiet window in `timeZone`, the instant (ms) the window ends;
 * otherwise undefined. Windows with `start > end` cross midnight (22:00–08:00); `start === end`
 * is an empty window. Local times are resolved through Intl, so DST days come out right (an end
 * skipped by a spring-forward jump resolves to the jump).
 *
 * @example quietWindowEnd(Date.UTC(2026, 0, 1, 15, 0), { start: '22:00', end: '08:00' }, 'Asia/Shanghai')
 * // Date.UTC(2026, 0, 2, 0, 0) — 23:00 local is quiet until 08:00 the next morning
 * @example quietWindowEnd(Date.UTC(2026, 0, 1, 4, 0), { start: '22:00', end: '08:00' }, 'Asia/Shanghai')
 * // undefined — 12:00 local
 */
export function quietWindowEnd(now: number, window: QuietWindow, timeZone: string): number | undefined {
  const start = parseHhmm(window.start);
  const end = parseHhmm(window.end);
  if (start === undefined || end === undefined || start === end) return undefined;
  const w = wallClock(now, timeZone);
  const minute = w.hour * 60 + w.minute;
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return undefined;
  // The end is today, unless the window crosses midnight and we are before midnight.
  const nextDay = start > end && minute >= start;
  const date = new Date(Date.UTC(w.year, w.month - 1, w.day + (nextDay ? 1 : 0)));
  const until = zonedTimeToUtc(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: Math.floor(end / 60),
      minute: end % 60,
    },
    timeZone,
  );
  return until > now ? until : undefined;
}

/**
 * The zone quiet hours are judged in: the receiver's (when the send gave one), else the
 * template's, else the platform default. Unknown zones are skipped rather than failing the send.
 *
 * @example shieldZone(undefined, 'Europe/Paris', 'Asia/Shanghai') // 'Europe/Paris'
 */
export function shieldZone(...zones: (string | null | undefined)[]): string {
  for (const z of zones) if (isValidTimeZone(z)) return z;
  return 'UTC';
}

/**
 * Quiet hours (shield). Template policy `drop` → `shield_dropped`; `delay` → `shield_delayed`
 * until the window ends (the handler parks the delivery in the delayed set); `none` passes.
 * Verification codes (`auth`) are never shielded: a login must not wait for morning.
 *
 * @example const step = quietHoursStep(); await step(input) // { kind: 'delay', state: 'shield_delayed', until, reason }
 */
export function quietHoursStep(): Step {
  return namedStep('quietHours', ({ delivery, template, now, config }) => {
    if (template.shield === 'none' || delivery.messageType === 'auth') return { kind: 'pass' };
    const zone = shieldZone(delivery.timezone, template.timezone, config.quietHours.timezone);
    const until = quietWindowEnd(now, config.quietHours, zone);
    if (until === undefined) return { kind: 'pass' };
    const reason = `quiet hours ${config.quietHours.start}-${config.quietHours.end} ${zone}`;
    if (template.shield === 'drop') return { kind: 'drop', state: 'shield_dropped', reason };
    return { kind: 'delay', state: 'shield_delayed', until, reason };
  });
}
