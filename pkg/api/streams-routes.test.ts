import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { pino } from 'pino';
import { keyCommand } from '../redis/cluster.ts';
import { watchedStreams } from '../scheduler/stream-watch.ts';
import { readStreams } from '../telemetry/stream-metrics.ts';
import { testRedis } from '../testkit/testkit.ts';
import { type AuthEnv, auth } from './auth.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { streamsRoutes } from './streams-routes.ts';

const ADMIN = `admin-${randomBytes(8).toString('hex')}`;

describe('GET /v1/admin/streams (real Redis)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let app: OpenAPIHono<AuthEnv>;

  before(async () => {
    r = await testRedis();
    const watched = watchedStreams(r.keys, 2);
    const redis = r.redis;
    // Wired the way services/ingest/routers.ts wires it, mounted the way pkg/api/app.ts mounts it.
    const routes = streamsRoutes({
      keys: r.keys,
      partitions: 2,
      read: readStreams({
        redis: {
          xinfoGroups: (key) => keyCommand(redis, key, ['XINFO', 'GROUPS', key]),
          xlen: (key) => redis.xlen(key),
        },
        prefix: r.keys.prefix,
        streams: () => watched.streams,
        deadLetters: () => watched.deadLetters,
      }),
      consumers: (key, group) => keyCommand(redis, key, ['XINFO', 'CONSUMERS', key, group]),
    });
    app = new OpenAPIHono<AuthEnv>();
    app.onError(errorHandler(pino({ level: 'silent' })));
    app.notFound(notFoundHandler);
    app.use('/v1/admin/*', auth({ adminToken: ADMIN }));
    app.route('/v1/admin/streams', routes);
  });
  after(() => r.cleanup());

  const get = async (token: string | null) => {
    const res = await app.request('/v1/admin/streams', {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely, asserting shapes
    return { status: res.status, body: (await res.json()) as any };
  };

  test("a route's group reports lag, pending and its consumers; dead letters their length; events their partition", async () => {
    const stream = r.keys.stream('email.notice');
    await r.redis.xgroup('CREATE', stream, 'handlers', '0', 'MKSTREAM');
    for (let i = 0; i < 5; i++) await r.redis.xadd(stream, '*', 'n', String(i));
    // Two read by one consumer, one by another, none acknowledged: pending 3, lag 2.
    await r.redis.xreadgroup('GROUP', 'handlers', 'h-1', 'COUNT', 2, 'STREAMS', stream, '>');
    await r.redis.xreadgroup('GROUP', 'handlers', 'h-2', 'COUNT', 1, 'STREAMS', stream, '>');
    await r.redis.xgroup('CREATE', r.keys.events(1), 'aggregator', '0', 'MKSTREAM');
    await r.redis.xadd(r.keys.events(1), '*', 'e', '1');
    for (let i = 0; i < 3; i++) await r.redis.xadd(r.keys.deadLetters('email.notice'), '*', 'x', '1');

    const { status, body } = await get(ADMIN);
    assert.equal(status, 200);
    assert.ok(!Number.isNaN(Date.parse(body.at)));
    const route = body.groups.find((g: { stream: string }) => g.stream === 'd:{email.notice}');
    assert.deepEqual(
      {
        ...route,
        consumers: route.consumers.map((c: { name: string; pending: number }) => [c.name, c.pending]),
      },
      {
        stream: 'd:{email.notice}',
        kind: 'route',
        route: 'email.notice',
        partition: null,
        group: 'handlers',
        lag: 2,
        pending: 3,
        consumers: [
          ['h-1', 2],
          ['h-2', 1],
        ],
      },
    );
    assert.ok(route.consumers.every((c: { idleMs: number }) => Number.isInteger(c.idleMs) && c.idleMs >= 0));
    const ev = body.groups.find((g: { stream: string }) => g.stream === 'ev:{p1}');
    assert.deepEqual(
      [ev.kind, ev.partition, ev.group, ev.lag, ev.pending, ev.consumers],
      ['events', 1, 'aggregator', 1, 0, []],
    );
    // Streams not created yet report no group.
    assert.equal(body.groups.length, 2);
    const dl = body.deadLetters.find((d: { stream: string }) => d.stream === 'dlq:{email.notice}');
    assert.deepEqual(dl, {
      stream: 'dlq:{email.notice}',
      kind: 'route',
      route: 'email.notice',
      partition: null,
      length: 3,
    });
    const receipts = body.deadLetters.find((d: { stream: string }) => d.stream === 'rcptdlq:{receipts}');
    assert.deepEqual([receipts.kind, receipts.length], ['receipts', 0]);
    assert.equal(body.deadLetters.length, watchedStreams(r.keys, 2).deadLetters.length);
  });

  test('admin token only', async () => {
    assert.equal((await get(null)).status, 401);
    assert.equal((await get('pk_not-admin')).status, 401);
  });
});
