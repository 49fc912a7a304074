import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { databaseUnavailable, isDatabaseUnavailable } from '../domain/database-unavailable.ts';
import { AppError, validationError } from '../domain/errors.ts';
import type { Logger } from '../telemetry/logger.ts';

/** `{ error: { code, message, details } }` — the one error body of the API. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/**
 * The one place errors become responses (`app.onError`). Expected errors keep their status;
 * the database being unreachable is a 503 `DATABASE_UNAVAILABLE` with `Retry-After` (the driver's
 * message, which names hosts and SQL, only goes to the log); anything else is a 500 with no
 * internals in the body, logged with its stack.
 */
export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof AppError) {
      if (err.retryAfter !== undefined)
        c.header('Retry-After', String(Math.max(1, Math.ceil(err.retryAfter))));
      return c.json(errorBody(err.code, err.message, err.details), err.status as ContentfulStatusCode);
    }
    if (err instanceof ZodError) {
      const e = validationError(err);
      return c.json(errorBody(e.code, e.message, e.details), 422);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const codes: Record<number, string> = {
        401: 'UNAUTHORIZED',
        413: 'PAYLOAD_TOO_LARGE',
        415: 'UNSUPPORTED_MEDIA_TYPE',
      };
      const json = status === 400 && /json/i.test(err.message);
      const code = json ? 'INVALID_JSON' : (codes[status] ?? 'BAD_REQUEST');
      const message =
        status === 415
          ? 'send the body as JSON with Content-Type: application/json'
          : err.message || 'bad request';
      return c.json(
        errorBody(code, json ? 'request body is not valid JSON' : message),
        status as ContentfulStatusCode,
      );
    }
    if (err instanceof SyntaxError) {
      return c.json(errorBody('INVALID_JSON', 'request body is not valid JSON'), 400);
    }
    if (isDatabaseUnavailable(err)) {
      const e = databaseUnavailable();
      log.warn({ err, path: c.req.path, method: c.req.method }, 'database unavailable');
      c.header('Retry-After', String(e.retryAfter));
      return c.json(errorBody(e.code, e.message), 503);
    }
    log.error({ err, path: c.req.path, method: c.req.method }, 'unhandled error');
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  };
}

/** 404 for unknown routes, in the same shape. */
export const notFoundHandler = (c: Context) =>
  c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), 404);
