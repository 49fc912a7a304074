import { ALL_ROUTES, parseRoute, type Route } from '../domain/channels.ts';

/**
 * Where a dead letter is: its route (which dead-letter stream) and its stream entry id there.
 * Also a position in the listing across routes, which is newest first (entry id descending),
 * ties between routes broken by the route's place in {@link ALL_ROUTES}.
 */
export type DeadLetterRef = Readonly<{ route: Route; entryId: string }>;

const ENTRY_ID = /^(\d{1,16})-(\d{1,20})$/;

/**
 * The public id of a dead letter, `<route>:<entry id>`: one look-up finds it, and every
 * character is allowed unescaped in a URL path (`email.notice:1764000000000-0`).
 *
 * @example deadLetterId({ route: 'email.notice', entryId: '1764000000000-0' }) // 'email.notice:1764000000000-0'
 */
export const deadLetterId = (ref: DeadLetterRef): string => `${ref.route}:${ref.entryId}`;

/**
 * Parses {@link deadLetterId}; `undefined` for anything else (an unknown route, a bad entry id).
 *
 * @example parseDeadLetterId('sms.auth:1764000000000-3') // { route: 'sms.auth', entryId: '1764000000000-3' }
 * @example parseDeadLetterId('nope') // undefined
 */
export function parseDeadLetterId(id: string): DeadLetterRef | undefined {
  const at = id.lastIndexOf(':');
  if (at < 0) return undefined;
  const route = id.slice(0, at);
  const entryId = id.slice(at + 1);
  if (!parseRoute(route) || !ENTRY_ID.test(entryId)) return undefined;
  return { route: route as Route, entryId };
}

/**
 * When an entry was added to its stream: the millisecond part of its id (the dead-lettering time).
 *
 * @example entryTime('1764000000000-2') // 1764000000000
 */
export const entryTime = (entryId: string): number => Number(entryId.split('-')[0]);

const seqOf = (entryId: string): bigint => BigInt(entryId.split('-')[1] ?? '0');

/**
 * Stream order of two entry ids: negative when `a` is older.
 *
 * @example compareEntryIds('5-1', '5-10') < 0 // true
 */
export function compareEntryIds(a: string, b: string): number {
  const d = entryTime(a) - entryTime(b);
  if (d !== 0) return d;
  const s = seqOf(a) - seqOf(b);
  return s === 0n ? 0 : s < 0n ? -1 : 1;
}

const routeIndex = (r: Route): number => ALL_ROUTES.indexOf(r);

/**
 * Listing order: negative when `a` comes first (newer; on the same entry id, the earlier route).
 *
 * @example comparePositions({ route: 'email.notice', entryId: '9-0' }, { route: 'email.notice', entryId: '8-0' }) < 0 // true
 */
export function comparePositions(a: DeadLetterRef, b: DeadLetterRef): number {
  return compareEntryIds(b.entryId, a.entryId) || routeIndex(a.route) - routeIndex(b.route);
}

/**
 * The upper end (XREVRANGE `end`) of what comes after position `after` in `route`'s stream:
 * routes listed after `after.route` still hold entries with the very same id, the others only
 * older ones.
 *
 * @example endAfter('email.notice', { route: 'email.notice', entryId: '9-0' }) // '(9-0'
 */
export function endAfter(route: Route, after: DeadLetterRef): string {
  return routeIndex(route) > routeIndex(after.route) ? after.entryId : `(${after.entryId}`;
}

/**
 * An opaque page cursor for a position (base64url of its id).
 *
 * @example decodeCursor(encodeCursor(ref)) // ref
 */
export const encodeCursor = (ref: DeadLetterRef): string =>
  Buffer.from(deadLetterId(ref), 'utf8').toString('base64url');

/**
 * Parses {@link encodeCursor}; `undefined` when it is not one.
 *
 * @example decodeCursor('garbage!') // undefined
 */
export function decodeCursor(cursor: string): DeadLetterRef | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  return parseDeadLetterId(Buffer.from(cursor, 'base64url').toString('utf8'));
}
