import { createRoute, z } from '@hono/zod-openapi';
import { STATES } from '../../domain/states.ts';
import { appCreateSchema, appUpdateSchema } from '../../store/apps.ts';
import { BEARER, documentedBody, errorResponses, idParams, json, TAGS } from '../openapi.ts';
import { listQuerySchema } from './query.ts';

const millis = z.number().int().openapi({ description: 'Epoch milliseconds', example: 1764000000000 });

/**
 * An app as the admin API answers it (the key itself is never stored, only its hint).
 *
 * @example appSchema.parse(await (await fetch('/v1/admin/apps/1', { headers })).json())
 */
export const appSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    apiKeyHint: z.string().openapi({ description: 'First 8 characters of the key, to tell keys apart' }),
    rateLimit: z.number().int().nullable().openapi({ description: 'Sends per second; null = unlimited' }),
    callbackUrl: z.string().nullable().openapi({ description: 'Where status callbacks go; null = off' }),
    callbackStates: z.array(z.enum(STATES)).nullable(),
    callbackSecretHint: z.string().nullable(),
    createdAt: millis,
    updatedAt: millis,
    deletedAt: millis.nullable(),
  })
  .openapi('App');

const withKey = appSchema
  .extend({
    apiKey: z.string().openapi({ description: 'The API key, shown in this answer only' }),
    callbackSecret: z
      .string()
      .optional()
      .openapi({ description: 'The callback signing secret (whsec_…), when this call set the first URL' }),
  })
  .openapi('AppWithKey');

const withSecret = appSchema
  .extend({
    callbackSecret: z.string().optional().openapi({ description: 'The callback signing secret, shown once' }),
  })
  .openapi('AppWithSecret');

const appList = z.object({ items: z.array(appSchema), total: z.number().int() }).openapi('AppList');

const params = idParams('app');
const denied = { 401: 'Missing or invalid admin token' } as const;
const missing = { ...denied, 404: 'No such app (or deleted)' } as const;
const common = { tags: [TAGS.apps], security: BEARER };
const appJson = json(appSchema, 'The app');

/**
 * The OpenAPI description of the `/v1/admin/apps` routes (paths relative to the mount point),
 * one `createRoute` per operation, served by `appRoutes` in apps.ts.
 *
 * @example r.openapi(appRoutesSpec.get, handler);
 */
export const appRoutesSpec = {
  create: createRoute({
    ...common,
    method: 'post',
    path: '/',
    summary: 'Create an app',
    description:
      'The answer carries the API key, the only time it is shown, and the callback signing ' +
      'secret when `callbackUrl` is set.',
    request: { body: documentedBody(appCreateSchema, 'The new app') },
    responses: {
      201: json(withKey, 'The app, with its API key'),
      ...errorResponses({ 400: 'Body is not JSON', ...denied, 413: 'Body too large', 422: 'Invalid field' }),
    },
  }),
  list: createRoute({
    ...common,
    method: 'get',
    path: '/',
    summary: 'List apps',
    request: {
      query: listQuerySchema.pick({ page: true, pageSize: true, name: true, includeDeleted: true }),
    },
    responses: {
      200: json(appList, 'A page of apps'),
      ...errorResponses({ ...denied, 422: 'Invalid query' }),
    },
  }),
  get: createRoute({
    ...common,
    method: 'get',
    path: '/{id}',
    summary: 'Get an app',
    request: { params },
    responses: { 200: appJson, ...errorResponses(missing) },
  }),
  update: createRoute({
    ...common,
    method: 'patch',
    path: '/{id}',
    summary: 'Change an app',
    description: 'Fields left out keep their value; `callbackUrl: null` turns status callbacks off.',
    request: { params, body: documentedBody(appUpdateSchema, 'The fields to change') },
    responses: {
      200: json(withSecret, 'The app (with the callback secret when this set the first callback URL)'),
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
    summary: 'Delete an app',
    description: 'Soft delete: its key stops working; `restore` brings it back.',
    request: { params },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(missing) },
  }),
  restore: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/restore',
    summary: 'Restore a deleted app',
    request: { params },
    responses: { 200: appJson, ...errorResponses(missing) },
  }),
  rotateKey: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/rotate-key',
    summary: "Rotate an app's API key",
    description: 'The old key stops working; the new one is in this answer only.',
    request: { params },
    responses: { 200: json(withKey, 'The app, with its new API key'), ...errorResponses(missing) },
  }),
  rotateCallbackSecret: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/callback-secret/rotate',
    summary: "Rotate an app's callback signing secret",
    request: { params },
    responses: {
      200: json(withSecret, 'The app, with its new callback secret'),
      ...errorResponses({ ...missing, 409: 'The app has no callback URL (CALLBACKS_OFF)' }),
    },
  }),
};
