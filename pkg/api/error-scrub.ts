import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { AppError } from '../domain/errors.ts';

/** Fields drivers put on errors that hold the statement or its bound values (mysql2, kysely, sqlite). */
const STATEMENT_FIELDS = ['sql', 'query', 'parameters', 'params', 'values', 'bindings'] as const;

/**
 * A message with what may be data masked: quoted literals (`'…'`, `"…"`, `` `…` ``) and long
 * token-like runs (keys, hashes, base64) become `?`, so the message keeps its shape for
 * debugging ("syntax error near ? at line 1") without the value that caused it.
 *
 * @example maskMessage(`near 'sk_live_123' at line 1`) // "near ? at line 1"
 */
export function maskMessage(message: string): string {
  return message
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '?')
    .replace(/[A-Za-z0-9_+/=.-]{24,}/g, '?');
}

/**
 * Scrubs an unexpected error in place before it is logged: masks its message (and the stack's
 * first line, which repeats it) and drops the SQL text and bound values drivers attach, down
 * its `cause` chain. Expected errors (AppError, HTTPException, ZodError) pass untouched: their
 * messages are written for the caller. Returns the same error, so its class still decides the
 * answer in `errorHandler`.
 *
 * @example app.onError((err, c) => handle(scrubInternalError(err), c));
 */
export function scrubInternalError<E>(err: E, depth = 0): E {
  if (!(err instanceof Error) || depth > 5) return err;
  if (err instanceof AppError || err instanceof HTTPException || err instanceof ZodError) return err;
  const e = err as Error & Record<string, unknown>;
  const original = e.message;
  const masked = maskMessage(original);
  try {
    e.message = masked;
    if (typeof e.stack === 'string') e.stack = e.stack.split(original).join(masked);
    if (typeof e.sqlMessage === 'string') e.sqlMessage = maskMessage(e.sqlMessage);
    for (const f of STATEMENT_FIELDS) if (f in e) delete e[f];
  } catch {
    // A frozen or accessor-only error: a fresh one of the same class and name, message masked.
    const copy = Object.setPrototypeOf(new Error(masked), Object.getPrototypeOf(e)) as Error;
    copy.name = e.name;
    return copy as E;
  }
  if (e.cause !== undefined) scrubInternalError(e.cause, depth + 1);
  return err;
}
