import { createRoute, z } from '@hono/zod-openapi';
import { CHANNELS, MESSAGE_TYPES } from '../../domain/channels.ts';
import { JSON_LIMITS, refineJsonLimits } from '../../domain/limits.ts';
import { sendResponseSchema } from '../../ingest/schemas.ts';
import {
  SENSITIVE_POLICIES,
  SHIELD_POLICIES,
  TEMPLATE_STATUSES,
  templateCreateSchema,
  templateUpdateSchema,
} from '../../store/template-rules.ts';
import { BEARER, documentedBody, errorResponses, idParams, json, TAGS } from '../openapi.ts';
import { listQuerySchema } from './query.ts';

const millis = z.number().int().openapi({ description: 'Epoch milliseconds', example: 1764000000000 });

/**
 * A template as the admin API answers it.
 *
 * @example templateSchema.parse(await (await fetch('/v1/admin/templates/1', { headers })).json())
 */
export const templateSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    channel: z.enum(CHANNELS),
    messageType: z.enum(MESSAGE_TYPES),
    accountId: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'null: routed (SMS, live config `routing`)' }),
    content: z.unknown().openapi({ description: "The channel's content model, with {$name} placeholders" }),
    contentUnreadable: z.literal(true).optional().openapi({
      description: 'The stored content breaks the input limits (nesting depth, size); content is null',
    }),
    status: z.enum(TEMPLATE_STATUSES).openapi({ description: 'A paused template refuses sends (409)' }),
    shield: z.enum(SHIELD_POLICIES).openapi({ description: 'Quiet hours: none, drop or delay' }),
    timezone: z.string().nullable(),
    appId: z.number().int().nullable().openapi({ description: 'The owning app' }),
    sharedWithApps: z
      .array(z.number().int())
      .readonly()
      .openapi({ description: 'Other apps that may send with it' }),
    version: z.number().int().openapi({ description: 'Moves on every edit; recorded on each message' }),
    sensitive: z.enum(SENSITIVE_POLICIES).openapi({ description: 'What a sensitive-word match does' }),
    cron: z.string().nullable(),
    description: z.string().nullable(),
    createdAt: millis,
    updatedAt: millis,
    deletedAt: millis.nullable(),
  })
  .openapi('Template');

const templateList = z
  .object({ items: z.array(templateSchema), total: z.number().int() })
  .openapi('TemplateList');

const variables = z
  .record(z.string(), z.unknown())
  .superRefine(refineJsonLimits(JSON_LIMITS.variables))
  .default({})
  .openapi({ description: 'Sample values of the placeholders', example: { name: 'Ann' } });

/** Body of `POST /templates/:id/preview`. */
export const previewBody = z.object({ variables }).strict();

/** Body of `POST /templates/preview`: an unsaved template's channel and content. */
export const draftPreviewBody = z
  .object({
    channel: z.enum(CHANNELS),
    content: z.unknown().superRefine(refineJsonLimits(JSON_LIMITS.content)),
    variables,
  })
  .strict();

/** Body of `POST /templates/:id/test`: one receiver and its variables. */
export const testSendBody = z
  .object({
    receiver: z.string().min(1).max(256),
    variables,
  })
  .strict();

const previewAnswer = z
  .object({
    content: z.unknown().openapi({ description: 'The rendered content, as the provider would get it' }),
    placeholders: z.array(z.string()).openapi({ description: 'Every placeholder the content uses' }),
  })
  .openapi('TemplatePreview');

/** Extra filters of the template list, beyond the common ones. */
export const templateListQuery = listQuerySchema.extend({
  messageType: z.enum(MESSAGE_TYPES).optional(),
  appId: z.coerce.number().int().positive().optional(),
});

const params = idParams('template');
const denied = { 401: 'Missing or invalid admin token' } as const;
const missing = { ...denied, 404: 'No such template (or deleted)' } as const;
const bodyErrors = { 400: 'Body is not JSON', 413: 'Body too large', 422: 'Invalid field' } as const;
const common = { tags: [TAGS.templates], security: BEARER };
const one = json(templateSchema, 'The template');

/**
 * The OpenAPI description of the `/v1/admin/templates` routes (paths relative to the mount
 * point), one `createRoute` per operation, served by `templateRoutes` in templates.ts.
 *
 * @example r.openapi(templateRoutesSpec.get, handler);
 */
export const templateRoutesSpec = {
  create: createRoute({
    ...common,
    method: 'post',
    path: '/',
    summary: 'Create a template',
    description:
      "Belongs to `appId`; `sharedWithApps` may send with it too. Content is checked against the account's provider.",
    request: { body: documentedBody(templateCreateSchema, 'The new template') },
    responses: { 201: json(templateSchema, 'The template'), ...errorResponses({ ...denied, ...bodyErrors }) },
  }),
  list: createRoute({
    ...common,
    method: 'get',
    path: '/',
    summary: 'List templates',
    description: 'Newest first; filter by channel, message type, status, owning app, name substring.',
    request: { query: templateListQuery },
    responses: {
      200: json(templateList, 'A page of templates'),
      ...errorResponses({ ...denied, 422: 'Invalid query' }),
    },
  }),
  get: createRoute({
    ...common,
    method: 'get',
    path: '/{id}',
    summary: 'Get a template',
    request: { params },
    responses: { 200: one, ...errorResponses(missing) },
  }),
  update: createRoute({
    ...common,
    method: 'patch',
    path: '/{id}',
    summary: 'Change a template',
    description:
      'Fields left out keep their value; the merged template is checked as a whole; `version` moves by one.',
    request: { params, body: documentedBody(templateUpdateSchema, 'The fields to change') },
    responses: {
      200: one,
      ...errorResponses({ ...missing, ...bodyErrors, 409: 'Changed concurrently; retry' }),
    },
  }),
  remove: createRoute({
    ...common,
    method: 'delete',
    path: '/{id}',
    summary: 'Delete a template',
    description: 'Soft delete: sends answer 404; `restore` brings it back.',
    request: { params },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(missing) },
  }),
  restore: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/restore',
    summary: 'Restore a deleted template',
    request: { params },
    responses: { 200: one, ...errorResponses({ ...missing, 409: 'Its account is deleted' }) },
  }),
  start: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/start',
    summary: 'Start a template (sends and cron runs allowed)',
    request: { params },
    responses: { 200: one, ...errorResponses(missing) },
  }),
  pause: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/pause',
    summary: 'Pause a template (sends answer 409, cron runs stop)',
    request: { params },
    responses: { 200: one, ...errorResponses(missing) },
  }),
  preview: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/preview',
    summary: 'Render a template with sample variables',
    description: 'Checked as a send would be: a missing variable is a 422 `MISSING_VARIABLES`.',
    request: { params, body: documentedBody(previewBody, 'Sample variables') },
    responses: {
      200: json(previewAnswer, 'The rendered content'),
      ...errorResponses({ ...missing, ...bodyErrors }),
    },
  }),
  previewDraft: createRoute({
    ...common,
    method: 'post',
    path: '/preview',
    summary: "Render unsaved content with sample variables (the editor's live preview)",
    request: { body: documentedBody(draftPreviewBody, 'Channel, content and sample variables') },
    responses: {
      200: json(previewAnswer, 'The rendered content'),
      ...errorResponses({ ...denied, ...bodyErrors }),
    },
  }),
  testSend: createRoute({
    ...common,
    method: 'post',
    path: '/{id}/test',
    summary: 'Send a template to one receiver, as its owning app',
    description:
      'Goes through the whole send path (filters, provider, trace); works on a paused template, so it can be tried before it starts. The message carries the business id `test-send`.',
    request: { params, body: documentedBody(testSendBody, 'The receiver and its variables') },
    responses: {
      202: json(sendResponseSchema, 'Accepted'),
      ...errorResponses({ ...missing, ...bodyErrors, 409: 'The template has no owning app' }),
    },
  }),
};
