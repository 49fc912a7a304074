import { z } from '@hono/zod-openapi';
import type { ZodError, ZodType } from 'zod';
import { validationError } from '../domain/errors.ts';
import { errorSchema } from '../ingest/schemas.ts';

/**
 * The tags operations are grouped by in `/openapi.json` and on the reference page.
 *
 * @example createRoute({ method: 'get', path: '/', tags: [TAGS.apps], summary: 'List apps', … })
 */
export const TAGS = {
  send: 'Send',
  data: 'Data',
  apps: 'Admin: apps',
  accounts: 'Admin: accounts',
  templates: 'Admin: templates',
  campaigns: 'Admin: campaigns',
  config: 'Config',
  operations: 'Operations',
  callbacks: 'Callbacks',
} as const;

/**
 * The document's `tags` list: the order and descriptions of the groups on the reference page.
 *
 * @example app.doc31('/openapi.json', { openapi: '3.1.0', info, tags: TAG_LIST });
 */
export const TAG_LIST: { name: string; description: string }[] = [
  { name: TAGS.send, description: 'Send a template to receivers and recall what is not sent yet (app key).' },
  {
    name: TAGS.data,
    description: 'Message traces, receiver listings, template stats, the sandbox inbox and the live tail.',
  },
  { name: TAGS.apps, description: 'Calling business systems: API keys, rate limits, status callbacks.' },
  { name: TAGS.accounts, description: 'Channel accounts (credentials masked) and the providers they use.' },
  { name: TAGS.templates, description: 'Message templates: content, routing, preview.' },
  { name: TAGS.campaigns, description: 'Crowd uploads and scheduled runs of a template.' },
  { name: TAGS.config, description: 'Live config: discard list, whitelist, dedup, quiet hours, limits.' },
  { name: TAGS.operations, description: 'Health, readiness, metrics and dead letters.' },
  { name: TAGS.callbacks, description: "Providers' receipt pushes (token in the path, no bearer)." },
];

/**
 * The bearer credential of a route (an app key or the admin token, as the route says); public
 * routes say `security: []`.
 *
 * @example createRoute({ …, security: BEARER, responses: { …, ...errorResponses({ 401: 'No token' }) } })
 */
export const BEARER = [{ bearer: [] }];

/** Where the failed part of a request was, as the 422 message names it. */
const WHERE: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header' };

/**
 * `defaultHook` of the OpenAPIHono routers: a failed request validation becomes the platform's
 * 422 `VALIDATION_FAILED` (thrown, so `app.onError` writes the one error shape), never the
 * validator's own 400 body.
 *
 * @example const r = new OpenAPIHono({ defaultHook: throwOnInvalid });
 */
export function throwOnInvalid(result: { success: boolean; error?: unknown; target: string }): void {
  if (!result.success) throw validationError(result.error as ZodError, WHERE[result.target] ?? result.target);
}

type ErrorResponse = {
  description: string;
  content: { 'application/json': { schema: typeof errorSchema } };
};

/**
 * Documented error answers in the one error shape, by status.
 *
 * @example responses: { 200: json(appSchema, 'The app'), ...errorResponses({ 401: 'No admin token', 404: 'No such app' }) }
 */
export function errorResponses<const T extends Record<number, string>>(
  byStatus: T,
): { [K in keyof T]: ErrorResponse } {
  const out: Record<number, ErrorResponse> = {};
  for (const [status, description] of Object.entries(byStatus)) {
    out[Number(status)] = { description, content: { 'application/json': { schema: errorSchema } } };
  }
  return out as { [K in keyof T]: ErrorResponse };
}

/**
 * A documented JSON answer.
 *
 * @example responses: { 200: json(appSchema, 'The app') }
 */
export function json<S extends ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/**
 * A JSON request body documented from `schema` (its input side, as JSON Schema) but not
 * validated by the router: the handler reads it with `jsonBody`, which takes a JSON body with
 * any content type, caps its size and names the bad field — the admin API's answers stay as
 * they were. Declaring a zod schema instead would add a validator with its own 415 and size rules.
 *
 * @example request: { body: documentedBody(appCreateSchema, 'The new app') }
 */
export function documentedBody(schema: ZodType, description?: string) {
  const { $schema: _, ...jsonSchema } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return {
    required: true,
    ...(description ? { description } : {}),
    content: { 'application/json': { schema: jsonSchema as Record<string, unknown> } },
  };
}

/**
 * Path parameters documented as strings: the handlers parse ids themselves (`idParam`), so a
 * bad id keeps answering 404 like an unknown one.
 *
 * @example request: { params: idParams('app') }
 */
export function idParams(what: string) {
  return z.object({
    id: z.string().openapi({ description: `The ${what}'s id`, example: '1', pattern: '^\\d{1,15}$' }),
  });
}
