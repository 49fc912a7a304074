import { createRoute, z } from '@hono/zod-openapi';
import { CHANNELS } from '../../domain/channels.ts';
import { accountCreateSchema, accountUpdateSchema } from '../../store/accounts.ts';
import { BEARER, documentedBody, errorResponses, idParams, json, TAGS } from '../openapi.ts';
import { listQuerySchema } from './query.ts';

const millis = z.number().int().openapi({ description: 'Epoch milliseconds', example: 1764000000000 });
const limit = z.number().int().nullable();

/**
 * A channel account as the admin API answers it: the provider config with every secret field
 * shown as `***` (sending `***` back in a PATCH keeps the stored value).
 *
 * @example accountSchema.parse(await (await fetch('/v1/admin/accounts/1', { headers })).json())
 */
export const accountSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    channel: z.enum(CHANNELS),
    provider: z.string(),
    config: z.record(z.string(), z.unknown()).openapi({
      description: 'Provider config, secrets masked as ***',
      example: { host: 'smtp.example.com' },
    }),
    configUnreadable: z.literal(true).optional().openapi({
      description:
        'The stored config cannot be decrypted (SECRET_KEY changed) or breaks the input limits (nesting depth, size); config is {}',
    }),
    callbackToken: z.string().openapi({
      description: 'Token of the receipt route POST /v1/callbacks/{channel}/{provider}/{id}/{token}',
    }),
    rateLimit: limit.openapi({ description: 'Sends per second; null = unlimited' }),
    rateBurst: limit,
    createdAt: millis,
    updatedAt: millis,
    deletedAt: millis.nullable(),
  })
  .openapi('Account');

const accountList = z
  .object({ items: z.array(accountSchema), total: z.number().int() })
  .openapi('AccountList');

const testResult = z
  .union([
    z.object({ ok: z.literal(true) }),
    z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
  ])
  .openapi('ConnectionTest');

const params = idParams('account');
const denied = { 401: 'Missing or invalid admin token' } as const;
const missing = { ...denied, 404: 'No such account (or deleted)' } as const;
const common = { tags: [TAGS.accounts], security: BEARER };
const accountJson = json(accountSchema, 'The account (credentials masked)');

/**
 * The OpenAPI description of the `/v1/admin/accounts` routes (paths relative to the mount
 * point), one `createRoute` per operation, served by `accountRoutes` in accounts.ts.
 *
 * @example r.openapi(accountRoutesSpec.get, handler);
 */
export const accountRoutesSpec = {
  create: createRoute({
    ...common,
    method: 'post',
    path: '/',
    summary: 'Create a channel account',
    description:
      "The config is checked against the provider's schema (`GET /v1/admin/providers`) and " +
      'encrypted at rest; an unknown provider is a 422.',
    request: { body: documentedBody(accountCreateSchema, 'The new account') },
    responses: {
      201: accountJson,
      ...errorResponses({ 400: 'Body is not JSON', ...denied, 413: 'Body too large', 422: 'Invalid field' }),
    },
  }),
  list: createRoute({
    ...common,
    method: 'get',
    path: '/',
    summary: 'List channel accounts',
    request: {
      query: listQuerySchema.pick({
        page: true,
        pageSize: true,
        name: true,
        channel: true,
        includeDeleted: true,
      }),
    },
    responses: {
      200: json(accountList, 'A page of accounts'),
      ...errorResponses({ ...denied, 422: 'Invalid query' }),
    },
  }),
  get: createRoute({
    ...common,
    method: 'get',
    path: '/{id}',
    summary: 'Get a channel account',
    request: { params },
    responses: { 200: accountJson, ...errorResponses(missing) },
  }),
  update: createRoute({
    ...common,
    method: 'patch',
    path: '/{id}',
    summary: 'Change a channel account',
    description: '`config` is merged into the stored one; a secret sent back as `***` keeps its value.',
    request: { params, body: documentedBody(accountUpdateSchema, 'The fields to change') },
    responses: {
      200: accountJson,
      ...errorResponses({
        400: 'Body is not JSON',
        ...missing,
        409: 'Changed concurrently; retry',
        422: 'Invalid field',
      }),
    },
  }),
  remove: createRoute({
    ...common,
    method: 'delete',
    path: '/{id}',
    summary: 'Delete a channel account',
    description: 'Soft delete; `restore` brings it back. Refused while live templates send through it.',
    request: { params },
    responses: {
      204: { description: 'Deleted' },
      ...errorResponses({ ...missing, 409: 'Live templates use it (ACCOUNT_IN_USE, their ids in details)' }),
    },
  }),
  test: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/test',
    summary: "Test an account's credentials at its provider",
    description: '200 either way: `{ "ok": true }` or `{ "ok": false, "code", "message" }`.',
    request: { params },
    responses: {
      200: json(testResult, 'The outcome'),
      ...errorResponses({ ...missing, 501: 'Connection tests are not enabled in this process' }),
    },
  }),
  rotateCallbackToken: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/callback-token/rotate',
    summary: "Rotate an account's receipt callback token",
    description: 'The old token stops working at once; give the new route to the provider.',
    request: { params },
    responses: { 200: accountJson, ...errorResponses(missing) },
  }),
  restore: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/restore',
    summary: 'Restore a deleted channel account',
    request: { params },
    responses: { 200: accountJson, ...errorResponses(missing) },
  }),
};
