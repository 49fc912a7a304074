import { createRoute, z } from '@hono/zod-openapi';
import {
  crowdListSchema,
  crowdRunListSchema,
  crowdRunSchema,
  crowdUploadSchema,
} from '../../crowds/schemas.ts';
import { BEARER, errorResponses, json, TAGS } from '../openapi.ts';

const id = z.string().openapi({ example: '12', pattern: '^\\d{1,15}$' });
const doc = { tags: [TAGS.campaigns], security: BEARER };

const upload = createRoute({
  method: 'post',
  path: '/{id}/crowd',
  summary: "Upload a template's crowd CSV (streamed; the file is stored whole or not at all)",
  description:
    'Header row with a `receiver` column and one column per placeholder of the template; every other ' +
    'column becomes a variable. Rows are checked as they stream in (receivers valid for the channel) ' +
    'and stored in chunks; any bad row rejects the file (422 listing the first 100 problems with ' +
    '`line`, `column`, `message`) unless `skipInvalid=true`. UTF-8 only; `,` `;` or tab separated.',
  ...doc,
  request: {
    params: z.object({ id }),
    query: z.object({
      filename: z.string().max(1024).optional().openapi({ description: 'Stored name of a text/csv body' }),
      skipInvalid: z.enum(['true', 'false', '1', '0']).optional(),
    }),
    body: {
      required: true,
      content: {
        'text/csv': { schema: z.string().openapi({ format: 'binary' }) },
        // Plain schema objects (not zod): the body is streamed by the handler, never pre-parsed.
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { file: { type: 'string', format: 'binary' }, filename: { type: 'string' } },
            required: ['file'],
          },
        },
        'application/json': {
          schema: {
            type: 'object',
            properties: { filename: { type: 'string' }, csv: { type: 'string' } },
            required: ['csv'],
          },
        },
      },
    },
  },
  responses: {
    201: json(crowdUploadSchema, 'Stored'),
    ...errorResponses({
      401: 'No admin token',
      404: 'Unknown template',
      413: 'Larger than CROWD_MAX_BYTES',
      415: 'Not text/csv, multipart/form-data or JSON',
      422: 'Rejected: empty, not UTF-8 text, broken quoting, a missing column, bad rows',
    }),
  },
});

const list = createRoute({
  method: 'get',
  path: '/{id}/crowd',
  summary: "A template's crowd files, newest first (the newest is what cron runs send to)",
  ...doc,
  request: { params: z.object({ id }) },
  responses: {
    200: json(crowdListSchema, 'Files'),
    ...errorResponses({ 401: 'No admin token', 404: 'Unknown template' }),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/{id}/crowd/{crowdId}',
  summary: 'Delete a crowd file (a run still sending to it stops, recorded as failed)',
  ...doc,
  request: { params: z.object({ id, crowdId: id }) },
  responses: {
    204: { description: 'Deleted' },
    ...errorResponses({ 401: 'No admin token', 404: 'Unknown template or file' }),
  },
});

const runs = createRoute({
  method: 'get',
  path: '/{id}/runs',
  summary: "A template's cron runs, newest first: rows read / accepted / rejected / skipped",
  ...doc,
  request: {
    params: z.object({ id }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).optional(),
      before: z.coerce
        .number()
        .int()
        .positive()
        .optional()
        .openapi({ description: 'Run id to page back from' }),
    }),
  },
  responses: {
    200: json(crowdRunListSchema, 'Runs'),
    ...errorResponses({ 401: 'No admin token', 404: 'Unknown template', 422: 'Bad limit or before' }),
  },
});

const run = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One cron run: status, progress (rowsRead / rowsTotal), counts and why it stopped',
  ...doc,
  request: { params: z.object({ id }) },
  responses: {
    200: json(crowdRunSchema, 'Run'),
    ...errorResponses({ 401: 'No admin token', 404: 'Unknown run' }),
  },
});

/**
 * The OpenAPI descriptions of the crowd routes (pkg/api/admin/crowd.ts): paths relative to the
 * templates router (`/{id}/crowd`, `/{id}/runs`) and to `/crowd-runs` (`/{id}`).
 *
 * @example app.openapi(crowdSpec.upload, handler);
 */
export const crowdSpec = { upload, list, remove, runs, run };
