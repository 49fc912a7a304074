import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { Redis } from 'ioredis';
import type { ZodError } from 'zod';
import { AppError, validationError } from '../../domain/errors.ts';
import { lookupForm } from '../../domain/receivers.ts';
import { errorSchema } from '../../ingest/schemas.ts';
import type { Keys } from '../../redis/keys.ts';
import { todayIn } from '../../stats/buckets.ts';
import { createLiveTail, type LiveEvent } from '../../stats/live.ts';
import { messageTrace, type ReadDeps, receiverMessages, templateStats } from '../../stats/read.ts';
import type { AuthEnv } from '../auth.ts';
import { idParam } from '../body.ts';
import { dayParam, messageTraceSchema, receiverMessagesSchema, templateStatsSchema } from './schemas.ts';

export type DataRoutesDeps = {
  /** Command connection for the reads. */
  redis: Redis;
  keys: Keys;
  /** config.eventPartitions */
  partitions: number;
  /** config.timezone: the zone of days (default `day` is today there). */
  timezone: string;
  /** Subscriber-mode connection for the live tail; without it the stream answers 501. */
  subscriber?: Redis;
  /** When given, stats of an unknown template answer 404. */
  templateExists?: (id: number) => Promise<boolean>;
  /** Most concurrent live-tail clients per process (default 100); more get 503. */
  maxStreamClients?: number;
  now?: () => number;
};

const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
});
const auth401 = { 401: err('Missing or invalid API key / admin token') };

const traceRoute = createRoute({
  method: 'get',
  path: '/v1/messages/{id}',
  summary: "A message's timeline of states",
  security: [{ bearer: [] }],
  request: { params: z.object({ id: z.string().min(1).max(128) }) },
  responses: {
    200: { description: 'Trace', content: { 'application/json': { schema: messageTraceSchema } } },
    ...auth401,
    404: err('Unknown message (or older than the trace TTL)'),
  },
});

const receiverRoute = createRoute({
  method: 'get',
  path: '/v1/receivers/{receiver}/messages',
  summary: 'Messages a receiver was sent on a day, newest first, with their current state',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ receiver: z.string().min(1).max(256) }),
    query: z.object({
      day: dayParam.optional().openapi({ description: 'Default: today in the platform time zone' }),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
  },
  responses: {
    200: { description: 'Listing', content: { 'application/json': { schema: receiverMessagesSchema } } },
    ...auth401,
    422: err('Invalid day'),
  },
});

const statsRoute = createRoute({
  method: 'get',
  path: '/v1/templates/{id}/stats',
  summary: 'Counts per lifecycle state per day (and per hour when from = to)',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ id: z.string() }),
    query: z.object({
      from: dayParam.optional().openapi({ description: 'Default: `to`' }),
      to: dayParam.optional().openapi({ description: 'Default: today in the platform time zone' }),
    }),
  },
  responses: {
    200: { description: 'Counts', content: { 'application/json': { schema: templateStatsSchema } } },
    ...auth401,
    404: err('Unknown template'),
    422: err('Invalid day or range longer than 92 days'),
  },
});

const toApi = (e: LiveEvent) => ({
  id: e.id,
  messageId: e.messageId,
  templateId: e.templateId,
  receiver: e.receiver,
  channel: e.channel,
  messageType: e.messageType,
  state: e.state,
  at: new Date(e.at).toISOString(),
  reason: e.reason,
});

/** Events a slow live-tail client may have queued before older ones are dropped. */
const MAX_QUEUE = 5000;

/**
 * The data API: message traces, receiver listings, template stats (reads summed over event
 * partitions, pkg/stats/read.ts) and a Server-Sent Events live tail of lifecycle events. Paths
 * are absolute (mount at `/`); auth (app key or admin token) is applied by the mounting app.
 *
 * @example
 * app.use('/v1/messages/*', readAuth); // likewise receivers, templates, events
 * app.route('/', dataRoutes({ redis, keys, partitions: 8, timezone: 'Asia/Shanghai', subscriber }));
 */
export function dataRoutes(deps: DataRoutesDeps) {
  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as unknown as ZodError, 'request');
    },
  });
  const read: ReadDeps = { redis: deps.redis, keys: deps.keys, partitions: deps.partitions };
  const now = deps.now ?? Date.now;
  const today = () => todayIn(deps.timezone, now());
  const live = deps.subscriber
    ? createLiveTail({ subscriber: deps.subscriber, channel: deps.keys.eventsLive() })
    : undefined;
  const maxClients = deps.maxStreamClients ?? 100;

  app.openapi(traceRoute, async (c) => {
    const { id } = c.req.valid('param');
    const trace = await messageTrace(read, id);
    if (!trace)
      throw new AppError(
        'MESSAGE_NOT_FOUND',
        404,
        `message ${id} is not known (or older than the trace TTL)`,
      );
    return c.json(trace, 200);
  });

  app.openapi(receiverRoute, async (c) => {
    const { receiver } = c.req.valid('param');
    const q = c.req.valid('query');
    // Any form of a phone number or email address finds what was stored under its normal form.
    return c.json(
      await receiverMessages(read, lookupForm(receiver), q.day ?? today(), { limit: q.limit }),
      200,
    );
  });

  app.openapi(statsRoute, async (c) => {
    const id = idParam(c, 'template');
    const q = c.req.valid('query');
    if (deps.templateExists && !(await deps.templateExists(id)))
      throw new AppError('TEMPLATE_NOT_FOUND', 404, `template ${id} does not exist`);
    const to = q.to ?? today();
    return c.json(await templateStats(read, id, q.from ?? to, to), 200);
  });

  app.get('/v1/events/stream', async (c) => {
    const raw = c.req.query('templateId');
    if (raw !== undefined && !/^\d{1,15}$/.test(raw))
      throw new AppError('VALIDATION_FAILED', 422, 'templateId must be a positive integer', [
        { path: 'templateId', message: 'expected a positive integer' },
      ]);
    const templateId = raw === undefined ? undefined : Number(raw);
    if (!live) throw new AppError('NOT_IMPLEMENTED', 501, 'the live tail is not enabled in this process');
    if (live.size() >= maxClients)
      throw new AppError('TOO_MANY_STREAMS', 503, 'too many live-tail clients', undefined, 5);
    return streamSSE(c, async (stream) => {
      const queue: LiveEvent[] = [];
      let dropped = 0;
      let wake: (() => void) | undefined;
      const off = await live.listen((e) => {
        if (templateId !== undefined && e.templateId !== templateId) return;
        if (queue.length >= MAX_QUEUE) {
          queue.shift();
          dropped++;
        }
        queue.push(e);
        wake?.();
      });
      const stop = () => {
        off();
        wake?.();
      };
      stream.onAbort(stop);
      c.req.raw.signal.addEventListener('abort', () => stream.abort());
      try {
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ templateId: templateId ?? null }) });
        while (!stream.aborted && !stream.closed) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, 15_000);
              wake = () => {
                clearTimeout(t);
                resolve();
              };
            });
            wake = undefined;
          }
          if (stream.aborted) break;
          if (dropped > 0) {
            await stream.writeSSE({ event: 'dropped', data: JSON.stringify({ count: dropped }) });
            dropped = 0;
          }
          if (queue.length === 0) {
            await stream.write(': keep-alive\n\n');
            continue;
          }
          for (const e of queue.splice(0))
            await stream.writeSSE({ event: 'lifecycle', id: e.id, data: JSON.stringify(toApi(e)) });
        }
      } finally {
        off();
      }
    });
  });

  return app;
}
