import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { AppError, validationError } from '../domain/errors.ts';
import {
  errorSchema,
  recallBodySchema,
  recallResponseSchema,
  sendBodySchema,
  sendResponseSchema,
} from '../ingest/schemas.ts';
import type { SendService } from '../ingest/send.ts';
import { inSpan, SpanKind, traceparentOf } from '../telemetry/tracing.ts';
import type { AuthEnv } from './auth.ts';
import { TAGS } from './openapi.ts';

const errors = {
  400: { description: 'Body is not JSON', content: { 'application/json': { schema: errorSchema } } },
  401: {
    description: 'Missing or invalid API key',
    content: { 'application/json': { schema: errorSchema } },
  },
  422: { description: 'Invalid body', content: { 'application/json': { schema: errorSchema } } },
} as const;

const sendRoute = createRoute({
  method: 'post',
  path: '/v1/send',
  tags: [TAGS.send],
  summary: 'Send a template to receivers',
  description:
    'Fans out one delivery per receiver. Answers 202 only after every delivery is in Redis. ' +
    'Same Idempotency-Key + same body replays the first answer.',
  security: [{ bearer: [] }],
  request: {
    headers: z.object({ 'idempotency-key': z.string().min(1).max(128).optional() }),
    body: { content: { 'application/json': { schema: sendBodySchema } }, required: true },
  },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: sendResponseSchema } } },
    ...errors,
    404: { description: 'Unknown template', content: { 'application/json': { schema: errorSchema } } },
    409: {
      description: 'Same Idempotency-Key still running',
      content: { 'application/json': { schema: errorSchema } },
    },
    429: { description: 'App send rate exceeded', content: { 'application/json': { schema: errorSchema } } },
    503: {
      description: 'Backpressure: route backlog too long',
      content: { 'application/json': { schema: errorSchema } },
    },
  },
});

const recallRoute = createRoute({
  method: 'post',
  path: '/v1/recall',
  tags: [TAGS.send],
  summary: 'Cancel deliveries not yet sent',
  security: [{ bearer: [] }],
  request: { body: { content: { 'application/json': { schema: recallBodySchema } }, required: true } },
  responses: {
    200: {
      description: 'Per-message result',
      content: { 'application/json': { schema: recallResponseSchema } },
    },
    ...errors,
    404: { description: 'Unknown request id', content: { 'application/json': { schema: errorSchema } } },
  },
});

/**
 * The send API (`POST /v1/send`, `POST /v1/recall`), described by the same schemas that validate
 * requests; auth is applied by the mounting app.
 *
 * @example app.route('/', sendRoutes({ service, maxBodyBytes: 4 << 20 }));
 */
export function sendRoutes(deps: { service: SendService }) {
  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as unknown as import('zod').ZodError);
    },
  });
  app.openapi(sendRoute, async (c) => {
    const caller = c.get('caller');
    if (caller.kind !== 'app') throw new AppError('APP_KEY_REQUIRED', 403, 'sending needs an app API key');
    const body = c.req.valid('json');
    const incoming = c.req.header('traceparent');
    const attrs = {
      'http.request.method': 'POST',
      'http.route': '/v1/send',
      'push.template_id': body.templateId,
      'push.app_id': caller.appId,
      'push.messages': body.messages.length,
    };
    const r = await inSpan(
      'POST /v1/send',
      incoming,
      attrs,
      async (span) => {
        const sent = await deps.service.send({ appId: caller.appId, rateLimit: caller.rateLimit }, body, {
          idempotencyKey: c.req.header('idempotency-key'),
          // Deliveries carry the trace on, so one trace spans accept → provider call.
          traceparent: traceparentOf(span) || incoming || '',
        });
        if (span.isRecording()) span.setAttribute('http.response.status_code', 202);
        return sent;
      },
      { kind: SpanKind.SERVER },
    );
    if (r.replay) c.header('Idempotency-Replay', 'true');
    return c.json(r.body, 202);
  });
  app.openapi(recallRoute, async (c) => {
    const caller = c.get('caller');
    // An app recalls only what it sent; the admin token reaches every message.
    const appId = caller.kind === 'app' ? caller.appId : undefined;
    return c.json(await deps.service.recall(c.req.valid('json'), appId), 200);
  });
  return app;
}
