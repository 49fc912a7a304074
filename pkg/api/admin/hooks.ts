import { AppError } from '../../domain/errors.ts';
import type { Logger } from '../../telemetry/logger.ts';

/** A change listener (e.g. publish on Redis so caches drop the entry). May be async. */
export type ChangeHook = (id: number) => void | Promise<void>;

/**
 * Calls a change hook without letting it fail the request that already committed: the change
 * is in the database; a lost notification only delays caches until their TTL.
 *
 * @example notify(log, deps.onTemplateChanged, 'template', 12);
 */
export function notify(log: Logger, hook: ChangeHook | undefined, what: string, id: number): void {
  if (!hook) return;
  const fail = (err: unknown) => log.warn({ err, what, id }, 'change hook failed');
  try {
    const r = hook(id);
    if (r && typeof r.then === 'function') r.then(undefined, fail);
  } catch (err) {
    fail(err);
  }
}

/**
 * 422 for a PATCH whose body names no field the route can change (typos otherwise pass silently).
 *
 * @example requireSomeField(body, ['name', 'rateLimit']);
 */
export function requireSomeField(body: object, allowed: readonly string[]): void {
  if (Object.values(body).some((v) => v !== undefined)) return;
  const message = `no field to update; allowed: ${allowed.join(', ')}`;
  throw new AppError('VALIDATION_FAILED', 422, `invalid body: ${message}`, [{ path: '', message }]);
}
