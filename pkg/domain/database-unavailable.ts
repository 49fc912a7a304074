import { AppError } from './errors.ts';

// The store's driver errors, classified here rather than in pkg/store: the API's error handler and
// the handler's delivery path both ask, and pkg/handler sits below pkg/store in the layers.

/**
 * Driver error codes that mean "the database cannot answer right now" rather than "this query is
 * wrong": the connection was refused, lost or timed out (mysql2 and node:net), the server is
 * shutting down or out of connections, a lock could not be had in time (MariaDB, SQLite). Such a
 * failure changed nothing (a statement on a lost connection is rolled back with its transaction)
 * and the same request may succeed once the database is back.
 */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** The error code of {@link databaseUnavailable}. */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** Seconds a caller is told to wait (`Retry-After`) while the database is unavailable. */
export const DATABASE_RETRY_AFTER_S = 5;

/**
 * Whether an error thrown by a query means the database is unreachable or too busy to answer
 * (retry later), as opposed to a bad query or bad data. Looks through `cause` chains and
 * `AggregateError`s (node's connect tries every address of a host), a few levels deep.
 *
 * @example
 * isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) // true
 * isDatabaseUnavailable(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY' })) // false
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (depth > 4 || typeof err !== 'object' || err === null) return false;
  if (err instanceof AppError) return err.code === DATABASE_UNAVAILABLE;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown; fatal?: unknown };
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  // mysql2's "connection is in closed state" (a pooled connection that died under the query)
  // carries no code, only `fatal`.
  if (e.fatal === true && e.code === undefined) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/**
 * The platform's answer while the database cannot be reached: 503 with `Retry-After`, and a
 * message that names neither the host nor the driver's words (those go to the log only).
 *
 * @example if (isDatabaseUnavailable(err)) throw databaseUnavailable();
 */
export const databaseUnavailable = (): AppError =>
  new AppError(
    DATABASE_UNAVAILABLE,
    503,
    'the database is unavailable; nothing was changed, retry later',
    undefined,
    DATABASE_RETRY_AFTER_S,
  );
