/**
 * Who is calling the API, as the auth middleware found out, and the tenancy rules every data
 * route applies with it: a message belongs to the app that sent it; the admin token sees all.
 * Anything an app may not see is answered as if it did not exist (no existence leak).
 */

/** The caller of a request (set on the Hono context by the auth middleware). */
export type Caller =
  | { kind: 'admin' }
  | { kind: 'app'; appId: number; appName: string; rateLimit: number | null };

/**
 * The app a caller's reads are limited to; `undefined` for the admin (sees every app).
 *
 * @example scopeOf({ kind: 'app', appId: 3, appName: 's', rateLimit: null }) // 3
 * @example scopeOf({ kind: 'admin' }) // undefined
 */
export const scopeOf = (c: Caller): number | undefined => (c.kind === 'app' ? c.appId : undefined);

/**
 * Whether a caller may see something that belongs to `owner` (an app id; `undefined`/`null` or
 * 0 for a platform send, which only the admin sees).
 *
 * @example mayRead({ kind: 'app', appId: 3, appName: 's', rateLimit: null }, 4) // false
 */
export function mayRead(c: Caller, owner: number | null | undefined): boolean {
  return c.kind === 'admin' || (owner !== undefined && owner !== null && owner === c.appId);
}
