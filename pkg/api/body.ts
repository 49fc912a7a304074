import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError, validationError } from '../domain/errors.ts';

/**
 * Reads and validates a JSON body: 400 `INVALID_JSON` for non-JSON, 413 past `maxBytes`,
 * 422 `VALIDATION_FAILED` naming the field otherwise.
 *
 * @example const body = await jsonBody(c, createAppSchema);
 */
export async function jsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  maxBytes = 1_048_576,
): Promise<z.infer<S>> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', 413, `body larger than ${maxBytes} bytes`);
  const text = await c.req.text();
  if (text.length > maxBytes)
    throw new AppError('PAYLOAD_TOO_LARGE', 413, `body larger than ${maxBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', 400, 'request body is not valid JSON');
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw validationError(r.error);
  return r.data;
}

/** Parses a positive integer path parameter or throws 404-style `NOT_FOUND` naming `what`. */
export function idParam(c: Context, what: string, name = 'id'): number {
  const raw = c.req.param(name) ?? '';
  const id = Number(raw);
  if (!/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(id) || id <= 0) {
    throw new AppError(`${what.toUpperCase()}_NOT_FOUND`, 404, `${what} ${raw} does not exist`);
  }
  return id;
}
