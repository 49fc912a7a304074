import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { ZodError } from 'zod';
import { AppError, validationError } from '../../domain/errors.ts';
import { lookupForm } from '../../domain/receivers.ts';
import { errorSchema } from '../../ingest/schemas.ts';
import type { RedisClient as Redis } from '../../redis/client.ts';
import type { Keys } from '../../redis/keys.ts';
import { todayIn } from '../../stats/buckets.ts';
import { createLiveTail, type LiveEvent } from '../../stats/live.ts';
import { messageTrace, type ReadDeps, receiverMessages, templateStats } from '../../stats/read.ts';
import { mayRead, scopeOf } from '../../tenancy/caller.ts';
import type { AuthEnv } from '../auth.ts';
import { idParam } from '../body.ts';
import { TAGS } from '../openapi.ts';
import { lookupMessages } from './lookup.ts';
import {
  dayParam,
  messageListSchema,
  messageTraceSchema,
  receiverMessagesSchema,
  templateStatsSchema,
} from './schemas.ts';

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
  /**
   * The owning app of a template (null: none), undefined when unknown; when given, stats of an
   * unknown template, or of one another app owns, answer 404.
   */
  templateOwner?: (id: number) => Promise<number | null | undefined>;
  /** Most concurrent live-tail clients per process (default 100); more get 429 with Retry-After. */
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
  tags: [TAGS.data],
  security: [{ bearer: [] }],
  request: { params: z.object({ id: z.string().min(1).max(128) }) },
  responses: {
    200: { description: 'Trace', content: { 'application/json': { schema: messageTraceSchema } } },
    ...auth401,
    404: err('Unknown message (or older than the trace TTL), or one another app sent'),
  },
});

const lookupRoute = createRoute({
  method: 'get',
  path: '/v1/messages',
  summary: 'Messages of a send request or of a business id, with their traces',
  description:
    "Give exactly one of `requestId` (the id `/v1/send` answered) or `bizId` (the caller's business id of the messages). An app sees only the messages it sent.",
  tags: [TAGS.data],
  security: [{ bearer: [] }],
  request: {
    query: z.object({
      requestId: z.string().min(1).max(64).optional(),
      bizId: z.string().min(1).max(128).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: 'Default 100' }),
    }),
  },
  responses: {
    200: {
      description: 'Messages, in send order',
      content: { 'application/json': { schema: messageListSchema } },
    },
    ...auth401,
    422: err('Neither or both of requestId and bizId'),
  },
});

const receiverRoute = createRoute({
  method: 'get',
  path: '/v1/receivers/{receiver}/messages',
  summary: 'Messages a receiver was sent on a day, newest first, with their current state',
  description:
    'Any form of the receiver finds it (email case, phone with or without +86). An app sees only the messages it sent.',
  tags: [TAGS.data],
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
  description: 'Only the app that owns the template (and the admin) sees its stats.',
  tags: [TAGS.data],
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
    404: err('Unknown template, or one another app owns'),
    422: err('Invalid day or range longer than 92 days'),
  },
});

const streamRoute = createRoute({
  method: 'get',
  path: '/v1/events/stream',
  tags: [TAGS.data],
  summary: 'Live tail of lifecycle events (Server-Sent Events)',
  description:
    'A `ready` event, then one `lifecycle` event per state change (JSON: id, messageId, templateId, receiver, channel, messageType, state, at, reason), `dropped` when the client was too slow to take them all, and a comment every 15 s. An app key gets only the events of messages it sent (filtered in the server).',
  security: [{ bearer: [] }],
  request: {
    query: z.object({
      templateId: z.string().optional().openapi({ description: 'Only events of this template' }),
    }),
  },
  responses: {
    200: {
      description: 'An event stream',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...auth401,
    422: err('templateId is not a positive integer'),
    501: err('The live tail is not enabled in this process'),
    429: err('Too many live-tail clients at once: retry after Retry-After'),
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
    // Another app's message answers exactly like an unknown one.
    if (!trace || !mayRead(c.get('caller'), trace.appId))
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
    const appId = scopeOf(c.get('caller'));
    return c.json(
      await receiverMessages(read, lookupForm(receiver), q.day ?? today(), {
        limit: q.limit,
        ...(appId === undefined ? {} : { appId }),
      }),
      200,
    );
  });

  app.openapi(lookupRoute, async (c) => {
    const q = c.req.valid('query');
    if ((q.requestId === undefined) === (q.bizId === undefined))
      throw new AppError('VALIDATION_FAILED', 422, 'give exactly one of requestId or bizId', [
        {
          path: q.requestId === undefined ? 'requestId' : 'bizId',
          message: 'give exactly one of requestId or bizId',
        },
      ]);
    const index = q.requestId !== undefined ? deps.keys.request(q.requestId) : deps.keys.bizIndex(q.bizId!);
    return c.json(await lookupMessages(read, index, c.get('caller'), q.limit ?? 100), 200);
  });

  app.openapi(statsRoute, async (c) => {
    const id = idParam(c, 'template');
    const q = c.req.valid('query');
    if (deps.templateOwner) {
      const owner = await deps.templateOwner(id);
      // Stats belong to the owning app only (an app it is shared with sees its own traces).
      if (owner === undefined || !mayRead(c.get('caller'), owner))
        throw new AppError('TEMPLATE_NOT_FOUND', 404, `template ${id} does not exist`);
    }
    const to = q.to ?? today();
    return c.json(await templateStats(read, id, q.from ?? to, to), 200);
  });

  app.openapi(streamRoute, async (c) => {
    const raw = c.req.query('templateId');
    if (raw !== undefined && !/^\d{1,15}$/.test(raw))
      throw new AppError('VALIDATION_FAILED', 422, 'templateId must be a positive integer', [
        { path: 'templateId', message: 'expected a positive integer' },
      ]);
    const templateId = raw === undefined ? undefined : Number(raw);
    // An app's live tail carries only the events of messages it sent, filtered here.
    const appId = scopeOf(c.get('caller'));
    if (!live) throw new AppError('NOT_IMPLEMENTED', 501, 'the live tail is not enabled in this process');
    if (live.size() >= maxClients)
      // A 4xx, not a 5xx: the caller backs off (Retry-After) like any rate limit; the platform is fine.
      throw new AppError('TOO_MANY_STREAMS', 429, 'too many live-tail clients', undefined, 5);
    return streamSSE(c, async (stream) => {
      const queue: LiveEvent[] = [];
      let dropped = 0;
      let wake: (() => void) | undefined;
      const off = await live.listen((e) => {
        if (templateId !== undefined && e.templateId !== templateId) return;
        if (appId !== undefined && e.appId !== appId) return;
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
