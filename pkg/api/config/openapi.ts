import { createRoute, z } from '@hono/zod-openapi';
import { liveConfigSchema } from '../../pipeline/live-config-schema.ts';
import { BEARER, documentedBody, errorResponses, json, TAGS } from '../openapi.ts';

const int = z.number().int();
const routeKey = z
  .string()
  .openapi({ description: 'A route `channel.messageType`', example: 'email.notice' });

/**
 * The live config as the API answers it: every section, defaults filled in (the shape of
 * `LiveConfig` in pkg/pipeline/live-config-schema.ts, which validates what is sent).
 *
 * @example liveConfigAnswer.parse(await (await fetch('/v1/admin/config', { headers })).json())
 */
export const liveConfigAnswer = z
  .object({
    discardTemplateIds: z.array(int).readonly(),
    sensitiveWords: z.object({ words: z.array(z.string()).readonly() }),
    whitelist: z.object({ enabled: z.boolean(), receivers: z.array(z.string()).readonly() }),
    dedup: z.object({
      contentWindowSec: int,
      frequency: z.object({ limit: int, per: z.enum(['day', 'window']), windowSec: int }),
    }),
    quietHours: z.object({ start: z.string(), end: z.string(), timezone: z.string() }),
    concurrency: z.partialRecord(routeKey, int),
    rateLimits: z.record(
      z.string().openapi({ description: 'A channel account id' }),
      z.object({ rate: z.number(), burst: int }),
    ),
    routing: z.partialRecord(
      routeKey,
      z.array(z.object({ accountId: int, weight: int }).readonly()).readonly(),
    ),
  })
  .openapi('LiveConfig');

const historyAnswer = z
  .object({
    items: z.array(
      z.object({
        at: z.string().openapi({ format: 'date-time' }),
        actor: z.string(),
        old: z.unknown().openapi({ description: 'The value before (null: there was none)' }),
        new: z.unknown(),
      }),
    ),
    total: int,
  })
  .openapi('LiveConfigHistory');

/** `?limit=` of the history, checked as the handler always did (its 422 names the rule). */
const historyQuery = z.object({
  limit: z
    .preprocess(
      (v) => (Array.isArray(v) ? v[0] : v),
      z
        .string()
        .regex(/^\d{1,4}$/)
        .refine((s) => Number(s) >= 1 && Number(s) <= 1000)
        .optional(),
    )
    .openapi({ description: 'Entries to return, 1 to 1000 (default 50)', example: '50' }),
});

const actorHeader = z.object({
  'x-actor': z
    .string()
    .optional()
    .openapi({
      description:
        "Who makes the change, for the audit (an operator's name; default `admin`): letters, digits, " +
        'spaces and ._@:/+- only, at most 128 characters',
      example: 'ops@shop',
    }),
});

const common = { tags: [TAGS.config], security: BEARER };
const denied = { 401: 'Missing or invalid admin token' } as const;
const writeErrors = errorResponses({
  400: 'Body is not JSON',
  ...denied,
  413: 'Body too large',
  422: 'Invalid config (every bad field named in details) or X-Actor header',
});
const answer = json(liveConfigAnswer, 'The config now in force');

/**
 * The OpenAPI description of the `/v1/admin/config` routes (paths relative to the mount point),
 * served by `configRoutes` in routes.ts.
 *
 * @example app.openapi(configRoutesSpec.get, handler);
 */
export const configRoutesSpec = {
  get: createRoute({
    ...common,
    method: 'get',
    path: '/',
    summary: 'Get the live config',
    description: 'The config in force, defaults filled in.',
    responses: { 200: answer, ...errorResponses(denied) },
  }),
  put: createRoute({
    ...common,
    method: 'put',
    path: '/',
    summary: 'Replace the live config',
    description:
      'Sections left out take their defaults. Stored with an audit entry, then announced: ' +
      'running handlers apply it within seconds, without restart.',
    request: { headers: actorHeader, body: documentedBody(liveConfigSchema, 'The whole config') },
    responses: { 200: answer, ...writeErrors },
  }),
  patch: createRoute({
    ...common,
    method: 'patch',
    path: '/',
    summary: 'Replace some sections of the live config',
    description: 'The top-level sections given replace the current ones; the result is checked as a whole.',
    request: {
      headers: actorHeader,
      body: documentedBody(liveConfigSchema.partial(), 'The sections to replace'),
    },
    responses: { 200: answer, ...writeErrors },
  }),
  history: createRoute({
    ...common,
    method: 'get',
    path: '/history',
    summary: 'Changes of the live config, newest first',
    request: { query: historyQuery },
    responses: {
      200: json(historyAnswer, 'Audit entries'),
      ...errorResponses({ ...denied, 422: 'Invalid limit' }),
    },
  }),
};
