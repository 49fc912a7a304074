import { AppError } from '../domain/errors.ts';

const DAY_MS = 86_400_000;

/** Earliest `sendAt` year taken: anything before is a typo or a zero value, never a plan. */
export const SEND_AT_MIN_YEAR = 2000;

/** How far in the past a `sendAt` may lie (clock skew, a retried request) and still send now. */
export const SEND_AT_PAST_TOLERANCE_MS = DAY_MS;

/** The limits of one send request beyond its schema (config `SEND_AT_MAX_DAYS`, `SEND_MAX_FANOUT_BYTES`). */
export type SendLimits = Readonly<{
  /** Latest `sendAt`, as ms after now. */
  sendAtMaxAheadMs: number;
  /** Most bytes of variables a request may copy into its deliveries (Σ variables × receivers). */
  fanoutMaxBytes: number;
}>;

/** 30 days ahead, 16 MiB of copied variables: the defaults of the config. */
export const DEFAULT_SEND_LIMITS: SendLimits = Object.freeze({
  sendAtMaxAheadMs: 30 * DAY_MS,
  fanoutMaxBytes: 16 * 1024 * 1024,
});

const invalid = (path: string, message: string): AppError =>
  new AppError('VALIDATION_FAILED', 422, `invalid body: ${path}: ${message}`, [{ path, message }]);

/**
 * The due time (ms) of a validated `sendAt`, or undefined without one. Throws 422 naming
 * `sendAt` when it is later than the horizon, before {@link SEND_AT_MIN_YEAR}, more than
 * {@link SEND_AT_PAST_TOLERANCE_MS} in the past, or not a date: a message parked for years would
 * hold Redis memory and its record for as long, and year 0000 would silently send at once.
 *
 * @example sendAtOf('2026-01-02T00:00:00Z', Date.parse('2026-01-01T00:00:00Z'), DEFAULT_SEND_LIMITS) // 1767312000000
 * @example sendAtOf('9999-12-31T00:00:00Z', Date.now(), DEFAULT_SEND_LIMITS) // throws 422 VALIDATION_FAILED
 */
export function sendAtOf(sendAt: string | undefined, now: number, limits: SendLimits): number | undefined {
  if (sendAt === undefined) return undefined;
  const at = Date.parse(sendAt);
  if (!Number.isFinite(at)) throw invalid('sendAt', 'not a valid date');
  if (new Date(at).getUTCFullYear() < SEND_AT_MIN_YEAR)
    throw invalid('sendAt', `must be in year ${SEND_AT_MIN_YEAR} or later`);
  if (at < now - SEND_AT_PAST_TOLERANCE_MS)
    throw invalid('sendAt', `is more than ${SEND_AT_PAST_TOLERANCE_MS / 3_600_000} hours in the past`);
  if (at > now + limits.sendAtMaxAheadMs) {
    const days = Math.round(limits.sendAtMaxAheadMs / DAY_MS);
    throw invalid('sendAt', `is more than ${days} days ahead (SEND_AT_MAX_DAYS)`);
  }
  return at;
}

/**
 * Throws 422 `FANOUT_TOO_LARGE` when a request's variables, copied into each of their message's
 * deliveries, add up to more than `fanoutMaxBytes`: every delivery carries its variables in Redis,
 * so a 20 KB unused variable on 1,000 receivers would be 20 MB held until sent.
 *
 * @example assertFanoutSize([{ receivers: ['a@x.io'], variables: { n: 1 } }], DEFAULT_SEND_LIMITS)
 */
export function assertFanoutSize(
  messages: readonly { receivers: readonly unknown[]; variables: unknown }[],
  limits: SendLimits,
): void {
  let total = 0;
  const each = messages.map((m, i) => ({
    path: `messages.${i}.variables`,
    bytes: Buffer.byteLength(JSON.stringify(m.variables ?? {}), 'utf8'),
    receivers: m.receivers.length,
  }));
  for (const m of each) total += m.bytes * m.receivers;
  if (total <= limits.fanoutMaxBytes) return;
  // The largest contributors, so the caller sees which message to slim down.
  const big = each.sort((a, b) => b.bytes * b.receivers - a.bytes * a.receivers).slice(0, 10);
  throw new AppError(
    'FANOUT_TOO_LARGE',
    422,
    `variables × receivers come to ${total} bytes, more than ${limits.fanoutMaxBytes} (SEND_MAX_FANOUT_BYTES); send only the variables the template uses, or fewer receivers per request`,
    { total, max: limits.fanoutMaxBytes, messages: big },
  );
}
