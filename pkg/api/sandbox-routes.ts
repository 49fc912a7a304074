import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { readSandboxInbox } from '../channels/providers/sandbox/inbox.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { scopeOf } from '../tenancy/caller.ts';
import type { AuthEnv } from './auth.ts';
import { errorResponses, TAGS, throwOnInvalid } from './openapi.ts';

const itemSchema = z
  .object({
    messageId: z.string(),
    receiver: z.string(),
    content: z.unknown().openapi({ description: 'The rendered content the channel would have sent' }),
    sentAt: z.number().int().openapi({ description: 'ms since epoch' }),
    templateId: z.number().int(),
    appId: z.number().int().nullable(),
  })
  .openapi('SandboxItem');

const inboxRoute = createRoute({
  method: 'get',
  path: '/v1/sandbox/messages',
  summary: 'What the sandbox channel "delivered", newest first',
  description: 'An app sees only the messages it sent; the admin token sees all.',
  tags: [TAGS.data],
  security: [{ bearer: [] }],
  request: {
    query: z.object({
      receiver: z.string().min(1).max(256).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(50),
    }),
  },
  responses: {
    200: {
      description: 'Inbox',
      content: {
        'application/json': { schema: z.object({ items: z.array(itemSchema), total: z.number().int() }) },
      },
    },
    ...errorResponses({ 401: 'Missing or invalid API key / admin token', 422: 'Invalid query' }),
  },
});

/**
 * `GET /v1/sandbox/messages?receiver=&limit=` — what the sandbox channel "delivered", newest
 * first; an app key reads only its own messages.
 *
 * @example app.route('/', sandboxRoutes({ redis, keys }));
 */
export function sandboxRoutes(deps: { redis: Redis; keys: Keys }) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: throwOnInvalid });
  app.openapi(inboxRoute, async (c) => {
    const q = c.req.valid('query');
    const inbox = await readSandboxInbox(deps.redis, deps.keys, {
      ...q,
      appId: scopeOf(c.get('caller')),
    });
    return c.json(inbox, 200);
  });
  return app;
}
