import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { DeadLetters, Scope } from '../deadletters/dead-letters.ts';
import type { DeadLetterFilter } from '../deadletters/entry.ts';
import { decodeCursor, parseDeadLetterId } from '../deadletters/ids.ts';
import { ALL_ROUTES, type Route } from '../domain/channels.ts';
import { AppError, validationError } from '../domain/errors.ts';
import { errorSchema } from '../ingest/schemas.ts';
import type { AuthEnv, Caller } from './auth.ts';
import { TAGS } from './openapi.ts';

export type DeadLetterRoutesDeps = Readonly<{ deadLetters: DeadLetters }>;

const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
});
const json = <S extends z.ZodType>(description: string, schema: S) => ({
  description,
  content: { 'application/json': { schema } },
});

const route = z.enum(ALL_ROUTES as unknown as [Route, ...Route[]]).openapi({ example: 'email.notice' });
/** A time: ISO 8601 with an offset (`2026-11-23T10:00:00+08:00`) or epoch milliseconds. */
const time = z
  .union([z.string().regex(/^\d{1,15}$/), z.iso.datetime({ offset: true })])
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .openapi({ type: 'string', example: '2026-11-23T10:00:00Z' });
const bodyTime = z.union([z.number().int().min(0), time]);
const positiveId = z.coerce.number().int().positive().max(2_147_483_647);
const reason = z.string().min(1).max(128).openapi({ example: 'SMTP_550' });

const itemSchema = z
  .object({
    id: z.string().openapi({ example: 'email.notice:1764000000000-0' }),
    messageId: z.string(),
    route: z.string(),
    templateId: z.number().int(),
    receiver: z.string(),
    reason: z.string(),
    lastError: z.string(),
    attempts: z.number().int(),
    at: z.string().openapi({ format: 'date-time' }),
    appId: z.number().int().nullable(),
  })
  .openapi('DeadLetter');

const detailSchema = itemSchema
  .extend({
    channel: z.string(),
    messageType: z.string(),
    requestId: z.string(),
    bizId: z.string(),
    acceptedAt: z.string().nullable(),
    timezone: z.string().nullable(),
    pinnedAccountId: z.number().int().nullable(),
    variables: z.record(z.string(), z.unknown()),
    state: z
      .string()
      .nullable()
      .openapi({ description: "The message's current state (null: record expired)" }),
  })
  .openapi('DeadLetterDetail');

const filterSchema = z
  .object({
    route: route.optional(),
    templateId: z.number().int().positive().optional(),
    reason: reason.optional(),
    from: bodyTime.optional(),
    to: bodyTime.optional(),
    appId: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: 'Admin only; an app replays its own' }),
  })
  .strict();

const replayBody = z
  .object({
    ids: z
      .array(
        z
          .string()
          .max(200)
          .refine((id) => parseDeadLetterId(id) !== undefined, 'not a dead-letter id (<route>:<entry id>)'),
      )
      .min(1)
      .max(1000)
      .optional(),
    filter: filterSchema.optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), {
    message: 'give either ids or filter',
    path: ['ids'],
  })
  .openapi('DeadLetterReplay');

const idParams = z.object({
  id: z.string().min(1).max(200).openapi({ example: 'email.notice:1764000000000-0' }),
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  tags: [TAGS.operations],
  summary: 'Dead letters, newest first (an app sees only its own)',
  security: [{ bearer: [] }],
  request: {
    query: z.object({
      route: route.optional(),
      templateId: positiveId.optional(),
      reason: reason.optional(),
      from: time.optional().openapi({ description: 'Dead-lettered at or after (inclusive)' }),
      to: time.optional().openapi({ description: 'Dead-lettered before (exclusive)' }),
      appId: positiveId.optional().openapi({ description: 'Admin only: one app' }),
      cursor: z.string().max(300).optional().openapi({ description: '`next` of the previous page' }),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: json('A page', z.object({ items: z.array(itemSchema), next: z.string().nullable() })),
    401: err('Missing or invalid credentials'),
    422: err('Invalid query'),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  tags: [TAGS.operations],
  summary: 'One dead letter in full (variables of verification codes masked)',
  security: [{ bearer: [] }],
  request: { params: idParams },
  responses: {
    200: json('The dead letter', detailSchema),
    401: err('Missing or invalid credentials'),
    404: err('Unknown dead letter'),
  },
});

const replayRoute = createRoute({
  method: 'post',
  path: '/replay',
  tags: [TAGS.operations],
  summary: 'Send dead letters again, by ids or by filter, with a fresh attempt budget',
  description:
    'Each replayed message records `replayed` in its timeline and goes back to its route. A dead ' +
    'letter is replayed at most once; unknown or already replayed ids count as not replayed.',
  security: [{ bearer: [] }],
  request: { body: { content: { 'application/json': { schema: replayBody } }, required: true } },
  responses: {
    200: json('How many went back to their stream', z.object({ replayed: z.number().int() })),
    400: err('Body is not JSON'),
    401: err('Missing or invalid credentials'),
    422: err('Invalid body'),
  },
});

const discardRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  tags: [TAGS.operations],
  summary: 'Discard a dead letter for good',
  security: [{ bearer: [] }],
  request: { params: idParams },
  responses: {
    204: { description: 'Discarded' },
    401: err('Missing or invalid credentials'),
    404: err('Unknown dead letter'),
  },
});

const scopeOf = (caller: Caller): Scope => (caller.kind === 'app' ? { appId: caller.appId } : {});
/** One answer for unknown and foreign ids: an app learns nothing of other apps' dead letters. */
const notFound = (id: string) =>
  new AppError('DEAD_LETTER_NOT_FOUND', 404, `dead letter ${id} does not exist`);

/**
 * Dead-letter operations (`GET /`, `GET /{id}`, `POST /replay`, `DELETE /{id}`), paths relative
 * to the mount point: mounted at `/v1/admin/dead-letters` (admin token) and at
 * `/v1/dead-letters` (app keys and the admin token). An app sees, replays and discards only the
 * dead letters of messages it sent; another app's answer 404 like a missing one.
 *
 * @example
 * const dl = deadLetterRoutes({ deadLetters: createDeadLetters({ redis, keys, ledger }) });
 * app.route('/v1/admin/dead-letters', dl);
 * app.use('/v1/dead-letters/*', readAuth);
 * app.route('/v1/dead-letters', dl);
 */
export function deadLetterRoutes(deps: DeadLetterRoutesDeps) {
  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as unknown as ZodError, 'request');
    },
  });
  const dl = deps.deadLetters;

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !after)
      throw new AppError('VALIDATION_FAILED', 422, 'invalid query: cursor: not a cursor of this listing', [
        { path: 'cursor', message: 'not a cursor of this listing' },
      ]);
    const filter: DeadLetterFilter = {
      route: q.route,
      templateId: q.templateId,
      reason: q.reason,
      from: q.from,
      to: q.to,
      appId: q.appId,
    };
    return c.json(await dl.list(filter, after, q.limit, scopeOf(c.get('caller'))), 200);
  });

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const found = await dl.get(id, scopeOf(c.get('caller')));
    if (!found) throw notFound(id);
    return c.json(found, 200);
  });

  app.openapi(replayRoute, async (c) => {
    const body = c.req.valid('json');
    const scope = scopeOf(c.get('caller'));
    const r = body.ids
      ? await dl.replay({ ids: body.ids }, scope)
      : await dl.replay({ filter: body.filter! }, scope);
    return c.json(r, 200);
  });

  app.openapi(discardRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await dl.discard(id, scopeOf(c.get('caller'))))) throw notFound(id);
    return c.body(null, 204);
  });

  return app;
}
