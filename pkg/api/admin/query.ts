import type { Context } from 'hono';
import { z } from 'zod';
import { CHANNELS } from '../../domain/channels.ts';
import { validationError } from '../../domain/errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../store/repo-kit.ts';
import { TEMPLATE_STATUSES } from '../../store/template-rules.ts';

/**
 * Empty query values (`?name=`) mean "not given"; of a repeated one (`?page=1&page=2`) the first
 * counts, whether the query comes from `c.req.query()` or a route validator (which gives arrays).
 */
const opt = <S extends z.ZodType>(s: S) =>
  z.preprocess((raw) => {
    const v = Array.isArray(raw) ? raw[0] : raw;
    return v === '' ? undefined : v;
  }, s.optional());

/**
 * Query of the admin list routes: `?page=&pageSize=&channel=&name=&status=&includeDeleted=`.
 * Unknown parameters are ignored; bad values are a 422 naming the parameter.
 *
 * @example listQuerySchema.parse({ page: '2', includeDeleted: 'true' }) // { page: 2, includeDeleted: true }
 */
export const listQuerySchema = z.object({
  page: opt(z.coerce.number().int().min(1).max(1_000_000).describe('Page number, from 1')),
  pageSize: opt(
    z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .describe(`Items per page (default ${DEFAULT_PAGE_SIZE})`),
  ),
  name: opt(z.string().max(128).describe('Only names containing this text')),
  channel: opt(z.enum(CHANNELS).describe('Only this channel')),
  status: opt(z.enum(TEMPLATE_STATUSES).describe('Only this status')),
  includeDeleted: opt(
    z
      .enum(['true', 'false', '1', '0'])
      .describe('List soft-deleted rows too')
      .transform((v) => v === 'true' || v === '1'),
  ),
});

export type ListQuery = z.output<typeof listQuerySchema>;

/**
 * Parses the request's query with `schema` or throws 422 `VALIDATION_FAILED` (`invalid query: page: …`).
 *
 * @example const q = parseQuery(c, listQuerySchema); await repo.list(q);
 */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) throw validationError(r.error, 'query');
  return r.data;
}
