import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ALL_ROUTES } from '../domain/channels.ts';
import type { Keys } from '../redis/keys.ts';
import type { StreamSnapshot } from '../telemetry/stream-metrics.ts';
import { BEARER, errorResponses, TAGS, throwOnInvalid } from './openapi.ts';

/**
 * What the streams report needs: one snapshot of every watched stream (readStreams of
 * pkg/telemetry/stream-metrics.ts over watchedStreams of pkg/scheduler/stream-watch.ts, built by
 * the process: pkg/api stays below pkg/scheduler) and `XINFO CONSUMERS` of one group by key.
 */
export type StreamsRoutesDeps = Readonly<{
  keys: Keys;
  partitions: number;
  read: () => Promise<StreamSnapshot>;
  /** The raw `XINFO CONSUMERS <key> <group>` answer (routed by key on a Cluster). */
  consumers: (key: string, group: string) => Promise<unknown>;
}>;

const KINDS = [
  'route',
  'events',
  'callbacks',
  'receipts',
  'callbacks-events',
  'sms-records',
  'other',
] as const;
type Kind = (typeof KINDS)[number];
type Meta = { kind: Kind; route: string | null; partition: number | null };

const consumerSchema = z.object({
  name: z.string(),
  pending: z.int(),
  idleMs: z.int().openapi({ description: 'Since the consumer last read or acknowledged' }),
});

const groupSchema = z
  .object({
    stream: z.string().openapi({ example: 'd:{email.notice}', description: 'Key without the prefix' }),
    kind: z.enum(KINDS),
    route: z.string().nullable().openapi({ example: 'email.notice' }),
    partition: z.int().nullable(),
    group: z.string().openapi({ example: 'handlers' }),
    lag: z.int().openapi({ description: 'Entries not yet read by the group' }),
    pending: z.int().openapi({ description: 'Entries read but not acknowledged' }),
    consumers: z.array(consumerSchema),
  })
  .openapi('StreamGroup');

const deadLetterSchema = z
  .object({
    stream: z.string().openapi({ example: 'dlq:{email.notice}' }),
    kind: z.enum(KINDS),
    route: z.string().nullable(),
    partition: z.int().nullable(),
    length: z.int(),
  })
  .openapi('DeadLetterStream');

const reportSchema = z
  .object({
    at: z.string().openapi({ format: 'date-time' }),
    groups: z.array(groupSchema),
    deadLetters: z.array(deadLetterSchema),
  })
  .openapi('StreamsReport');

const getRoute = createRoute({
  method: 'get',
  path: '/',
  tags: [TAGS.operations],
  summary: 'Backlog of every consumer group and the length of every dead-letter stream',
  description:
    "Delivery streams of each route, event partitions, the callbacks outbox and the receipts inbox: each group's `lag` and `pending` and its consumers; streams not created yet are left out.",
  security: BEARER,
  responses: {
    200: { description: 'The report', content: { 'application/json': { schema: reportSchema } } },
    ...errorResponses({ 401: 'Missing or invalid admin token' }),
  },
});

/** Label (key without prefix) → what the stream is, for every key the platform watches. */
function metaByLabel(keys: Keys, partitions: number): Map<string, Meta> {
  const m = new Map<string, Meta>();
  const put = (key: string, kind: Kind, route: string | null, partition: number | null) =>
    m.set(key.slice(keys.prefix.length), { kind, route, partition });
  for (const r of ALL_ROUTES) {
    put(keys.stream(r), 'route', r, null);
    put(keys.deadLetters(r), 'route', r, null);
  }
  for (let p = 0; p < partitions; p++) {
    put(keys.events(p), 'events', null, p);
    put(keys.callbacksEventsDead(p), 'callbacks-events', null, p);
    put(keys.smsRecordsEventsDead(p), 'sms-records', null, p);
  }
  put(keys.callbacks(), 'callbacks', null, null);
  put(keys.callbacksDead(), 'callbacks', null, null);
  put(keys.receipts(), 'receipts', null, null);
  put(keys.receiptsDead(), 'receipts', null, null);
  return m;
}

const record = (flat: unknown): Record<string, unknown> => {
  const r: Record<string, unknown> = {};
  if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) r[String(flat[i])] = flat[i + 1];
  return r;
};

/**
 * `GET /` mounted at `/v1/admin/streams` (admin token): the platform's stream backlog for the
 * console's Streams page, the same numbers as the `push_stream_*` gauges.
 *
 * @example app.route('/v1/admin/streams', streamsRoutes({ keys, partitions: 8, read, consumers }));
 */
export function streamsRoutes(deps: StreamsRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: throwOnInvalid });
  const meta = metaByLabel(deps.keys, deps.partitions);
  const about = (stream: string): Meta => meta.get(stream) ?? { kind: 'other', route: null, partition: null };

  app.openapi(getRoute, async (c) => {
    const snap = await deps.read();
    const groups = await Promise.all(
      snap.groups.map(async (g) => {
        const raw = await deps.consumers(deps.keys.prefix + g.stream, g.group);
        const consumers = (Array.isArray(raw) ? raw : []).map(record).map((x) => ({
          name: String(x.name),
          pending: Number(x.pending) || 0,
          idleMs: Number(x.idle) || 0,
        }));
        return { ...g, ...about(g.stream), consumers };
      }),
    );
    const deadLetters = snap.deadLetters.map((d) => ({ ...d, ...about(d.stream) }));
    return c.json({ at: new Date().toISOString(), groups, deadLetters }, 200);
  });
  return app;
}
