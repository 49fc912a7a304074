import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { readSandboxInbox } from '../channels/providers/sandbox/inbox.ts';
import { validationError } from '../domain/errors.ts';
import type { Keys } from '../redis/keys.ts';

const query = z.object({
  receiver: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

/**
 * `GET /v1/sandbox/messages?receiver=&limit=` — what the sandbox channel "delivered", newest first.
 *
 * @example app.route('/', sandboxRoutes({ redis, keys }));
 */
export function sandboxRoutes(deps: { redis: Redis; keys: Keys }) {
  return new Hono().get('/v1/sandbox/messages', async (c) => {
    const q = query.safeParse(c.req.query());
    if (!q.success) throw validationError(q.error, 'query');
    return c.json(await readSandboxInbox(deps.redis, deps.keys, q.data));
  });
}
