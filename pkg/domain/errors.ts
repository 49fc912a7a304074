import type { ZodError } from 'zod';

/**
 * The one error type of the platform. Every expected failure (bad input, unknown id, auth,
 * backpressure) is an `AppError`; the HTTP layer maps it to a response in one place.
 *
 * @example
 * throw new AppError('TEMPLATE_NOT_FOUND', 404, 'template 12 does not exist');
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  /** Seconds the caller should wait before retrying (429/503/409). */
  readonly retryAfter: number | undefined;

  constructor(code: string, status: number, message: string, details?: unknown, retryAfter?: number) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/** Shorthands for the common error kinds, so call sites read as intent. */
export const errors = {
  badRequest: (message: string, details?: unknown) => new AppError('BAD_REQUEST', 400, message, details),
  validation: (message: string, details?: unknown) =>
    new AppError('VALIDATION_FAILED', 422, message, details),
  notFound: (what: string, id: string | number) =>
    new AppError(`${what.toUpperCase()}_NOT_FOUND`, 404, `${what} ${id} does not exist`),
  unauthorized: (message = 'missing or invalid credentials') => new AppError('UNAUTHORIZED', 401, message),
  conflict: (code: string, message: string, retryAfter?: number) =>
    new AppError(code, 409, message, undefined, retryAfter),
} as const;

/**
 * Zod issues as `[{ path: 'messages.0.receivers', message }]`, naming the field.
 *
 * @example zodDetails(schema.safeParse(body).error) // [{ path: 'messages.0.receivers', message: 'Required' }]
 */
export function zodDetails(err: ZodError): { path: string; message: string; code?: string }[] {
  return err.issues.map((i) => {
    // A refinement may name a machine-readable reason (`TOO_DEEP`, see limits.ts).
    const code = i.code === 'custom' ? (i.params as { code?: unknown } | undefined)?.code : undefined;
    const d = { path: i.path.map(String).join('.'), message: i.message };
    return typeof code === 'string' ? { ...d, code } : d;
  });
}

/**
 * Turns a zod failure into the platform's 422 `VALIDATION_FAILED`, naming the first bad field.
 * Here (not in pkg/api) because the store validates on save too.
 *
 * @example if (!r.success) throw validationError(r.error, 'query');
 */
export function validationError(err: ZodError, where = 'body'): AppError {
  const details = zodDetails(err);
  const first = details[0];
  return new AppError(
    'VALIDATION_FAILED',
    422,
    first ? `invalid ${where}: ${first.path || '(root)'}: ${first.message}` : `invalid ${where}`,
    details,
  );
}
