import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Redis } from 'ioredis';
import { apiKeyHasher } from '../../domain/api-key.ts';
import type { LifecycleEvent } from '../../domain/events.ts';
import { newId } from '../../domain/ids.ts';
import { createLedger, type Ledger } from '../../lifecycle/ledger.ts';
import { type Aggregator, startAggregator } from '../../stats/aggregator.ts';
import { createApplier } from '../../stats/apply.ts';
import { todayIn } from '../../stats/buckets.ts';
import type { MessageTrace } from '../../stats/read.ts';
import { silentLogger } from '../../telemetry/logger.ts';
import { testDelivery } from '../../testkit/messages.ts';
import { readEventStreams, writeEvents } from '../../testkit/synthetic-events.ts';
import { testRedis, waitFor } from '../../testkit/testkit.ts';
import { type AppLookup, type AuthEnv, auth } from '../auth.ts';
import { errorHandler, notFoundHandler } from '../errors.ts';
import { dataRoutes } from './routes.ts';

const N = 4;
const TZ = 'Asia/Shanghai';
const NOW = Date.parse('2026-11-23T04:00:00Z'); // noon in Shanghai
const ADMIN = randomBytes(18).toString('base64url');
const APP_KEY = `pk_${randomBytes(18).toString('base64url')}`;

describe('data API', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let subscriber: Redis;
  let app: OpenAPIHono<AuthEnv>;
  let ledger: Ledger;
  const ids = [newId(NOW - 60_000), newId(NOW - 30_000)];

  const get = (path: string, token: string | null = APP_KEY) =>
    app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  before(async () => {
    r = await testRedis();
    subscriber = new Redis(r.url);
    // A real lookup: the app's key is known only by its hash, as the apps table stores it.
    const hashKey = apiKeyHasher(randomBytes(32));
    const storedHash = hashKey(APP_KEY).keyed;
    const lookupApp: AppLookup = async (key) =>
      hashKey(key).keyed === storedHash ? { id: 1, name: 'shop', rateLimit: null } : undefined;
    app = new OpenAPIHono<AuthEnv>();
    app.onError(errorHandler(silentLogger));
    app.notFound(notFoundHandler);
    const readAuth = auth({ adminToken: ADMIN, lookupApp, mode: 'app-or-admin' });
    for (const p of ['/v1/messages', '/v1/messages/*', '/v1/receivers/*', '/v1/templates/*', '/v1/events/*'])
      app.use(p, readAuth);
    app.route(
      '/',
      dataRoutes({
        redis: r.redis,
        keys: r.keys,
        partitions: N,
        timezone: TZ,
        subscriber,
        templateOwner: async (id) => (id === 404 ? undefined : 1),
        now: () => NOW,
      }),
    );

    // The messages go through the real ledger, as ingest and the handler write them: the trace
    // is read from each one's ledger record; the aggregator folds the events the ledger emitted
    // into the receiver listing and the counters.
    ledger = createLedger({ redis: r.redis, keys: r.keys, partitions: N, ttlMs: 7 * 86_400_000 });
    const account = { id: 2, provider: 'smtp' };
    for (const [k, id] of ids.entries()) {
      const at = NOW - 60_000 + k * 30_000;
      const d = testDelivery({
        id,
        templateId: 5,
        receiver: 'ann+news@example.com',
        channel: 'email',
        messageType: 'notice',
        acceptedAt: at,
      });
      await ledger.accept({ ...d, appId: 1 }, at, undefined, 3);
      assert.equal((await ledger.begin(d, 'h1', at + 5, false, account)).kind, 'go');
      if (k === 0) {
        assert.ok(await ledger.finish(d, 'sent', { at: at + 20, providerMessageId: 'smtp-1', account }));
      } else {
        // A temporary failure, a second attempt, then giving up.
        assert.ok(await ledger.finish(d, 'retrying', { at: at + 10, reason: 'smtp 451', account }));
        const second = { ...d, attempt: 2 };
        assert.equal((await ledger.begin(second, 'h1', at + 15, false, account)).kind, 'go');
        assert.ok(await ledger.fail(second, 'smtp 550', { at: at + 20, account }));
      }
    }
    const applier = createApplier({
      redis: r.redis,
      keys: r.keys,
      timezone: TZ,
      traceTtlDays: 7,
      counterTtlDays: 90,
    });
    const streams = await readEventStreams(r.redis, r.keys, N);
    assert.equal(streams.flat().length, 6);
    for (const [p, entries] of streams.entries()) if (entries.length) await applier.apply(p, entries, NOW);
  });
  after(async () => {
    subscriber.disconnect();
    await r.cleanup();
  });

  test('needs an app key or the admin token', async () => {
    assert.equal((await get(`/v1/messages/${ids[0]}`, null)).status, 401);
    const bad = await get(`/v1/messages/${ids[0]}`, 'pk_wrong');
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    assert.equal((await get(`/v1/messages/${ids[0]}`, ADMIN)).status, 200);
    assert.equal((await get(`/v1/messages/${ids[0]}`)).status, 200);
  });

  test('GET /v1/messages/:id answers the trace; unknown ids 404', async () => {
    const res = await get(`/v1/messages/${ids[1]}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(body, {
      messageId: ids[1],
      templateId: 5,
      templateVersion: 3,
      receiver: 'ann+news@example.com',
      channel: 'email',
      messageType: 'notice',
      appId: 1,
      requestId: 'req-1',
      bizId: null,
      accountId: 2,
      provider: 'smtp',
      state: 'dead_lettered',
      timeline: [
        { state: 'accepted', at: new Date(NOW - 30_000).toISOString(), reason: '' },
        { state: 'retrying', at: new Date(NOW - 29_990).toISOString(), reason: 'smtp 451' },
        { state: 'failed', at: new Date(NOW - 29_980).toISOString(), reason: 'smtp 550' },
        { state: 'dead_lettered', at: new Date(NOW - 29_980).toISOString(), reason: 'smtp 550' },
      ],
    });
    const sent = (await (await get(`/v1/messages/${ids[0]}`, ADMIN)).json()) as {
      state: string;
      timeline: { state: string }[];
    };
    assert.deepEqual([sent.state, sent.timeline.map((x) => x.state)], ['sent', ['accepted', 'sent']]);
    // The trace is the ledger's: a message whose events no aggregator has folded yet has one.
    const fresh = testDelivery({
      templateId: 5,
      receiver: 'cat@example.com',
      channel: 'email',
      acceptedAt: NOW,
    });
    await ledger.accept({ ...fresh, appId: 1 }, NOW, 'sendAt');
    const unfolded = (await (await get(`/v1/messages/${fresh.id}`)).json()) as MessageTrace;
    assert.deepEqual(
      [unfolded.state, unfolded.timeline.map((x) => [x.state, x.reason])],
      [
        'scheduled',
        [
          ['accepted', ''],
          ['scheduled', 'sendAt'],
        ],
      ],
    );
    const missing = await get('/v1/messages/01NOPE');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'MESSAGE_NOT_FOUND');
  });

  test('GET /v1/receivers/:receiver/messages defaults to today in the platform zone, newest first', async () => {
    const res = await get(`/v1/receivers/${encodeURIComponent('ann+news@example.com')}/messages`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      day: string;
      total: number;
      items: { messageId: string; state: string }[];
    };
    assert.equal(body.day, todayIn(TZ, NOW));
    assert.equal(body.total, 2);
    assert.deepEqual(
      body.items.map((i) => [i.messageId, i.state]),
      [
        [ids[1], 'dead_lettered'],
        [ids[0], 'sent'],
      ],
    );
    const other = (await (
      await get('/v1/receivers/ann%2Bnews%40example.com/messages?day=2026-11-22')
    ).json()) as {
      total: number;
    };
    assert.equal(other.total, 0);
    for (const q of ['day=2026-11-31', 'day=yesterday', 'limit=0', 'limit=5000']) {
      const bad = await get(`/v1/receivers/ann/messages?${q}`);
      assert.equal(bad.status, 422, q);
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
    }
  });

  test('GET /v1/templates/:id/stats per day, per hour for one day, 422 on bad ranges', async () => {
    const res = await get('/v1/templates/5/stats?from=2026-11-23&to=2026-11-23');
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      days: { day: string; counts: Record<string, number> }[];
      hours: { hour: string; counts: Record<string, number> }[];
    };
    assert.deepEqual(body.days, [
      { day: '2026-11-23', counts: { accepted: 2, retrying: 1, sent: 1, failed: 1, dead_lettered: 1 } },
    ]);
    assert.equal(body.hours.length, 24);
    assert.deepEqual(body.hours[11], {
      hour: '2026-11-23T11',
      counts: { accepted: 2, retrying: 1, sent: 1, failed: 1, dead_lettered: 1 },
    });
    const range = (await (await get('/v1/templates/5/stats?from=2026-11-22&to=2026-11-23')).json()) as Record<
      string,
      unknown
    >;
    assert.equal(range.hours, undefined);
    assert.equal((range.days as unknown[]).length, 2);
    const dflt = (await (await get('/v1/templates/5/stats')).json()) as { from: string; to: string };
    assert.deepEqual([dflt.from, dflt.to], ['2026-11-23', '2026-11-23']);
    for (const q of [
      'from=2026-11-24&to=2026-11-23',
      'from=2026-01-01&to=2026-11-23',
      'from=11/23/2026&to=2026-11-23',
    ]) {
      assert.equal((await get(`/v1/templates/5/stats?${q}`)).status, 422, q);
    }
    assert.equal((await get('/v1/templates/abc/stats')).status, 404);
    assert.equal((await get('/v1/templates/404/stats')).status, 404);
  });

  test('GET /v1/events/stream past the client cap: 429 with Retry-After; a closed stream frees its place', async () => {
    const capped = new OpenAPIHono<AuthEnv>();
    capped.onError(errorHandler(silentLogger));
    capped.use('/v1/events/*', auth({ adminToken: ADMIN, mode: 'app-or-admin' }));
    capped.route(
      '/',
      dataRoutes({
        redis: r.redis,
        keys: r.keys,
        partitions: N,
        timezone: TZ,
        subscriber,
        maxStreamClients: 1,
      }),
    );
    const open = () => capped.request('/v1/events/stream', { headers: { authorization: `Bearer ${ADMIN}` } });
    const first = await open();
    assert.equal(first.status, 200);
    const reader = first.body!.getReader();
    await reader.read();
    const second = await open();
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('retry-after'), '5');
    assert.equal(((await second.json()) as { error: { code: string } }).error.code, 'TOO_MANY_STREAMS');
    await reader.cancel();
    const third = await waitFor('the place freed', async () => {
      const res = await open();
      if (res.status === 200) return res;
      await res.body?.cancel();
      return undefined;
    });
    await third?.body?.cancel();
  });

  test('GET /v1/events/stream tails folded events of one template and unsubscribes on disconnect', async () => {
    assert.equal((await get('/v1/events/stream?templateId=x')).status, 422);
    const blocking = new Redis(r.url);
    let agg: Aggregator | undefined;
    try {
      agg = await startAggregator({
        redis: r.redis,
        blocking,
        keys: r.keys,
        partitions: N,
        timezone: TZ,
        traceTtlDays: 7,
        counterTtlDays: 90,
        log: silentLogger,
        leaseTtlMs: 1500,
        blockMs: 200,
      });
      const res = await get('/v1/events/stream?templateId=7');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const frames = () =>
        text
          .split('\n\n')
          .filter((f) => f.includes('event: lifecycle'))
          .map(
            (f) =>
              JSON.parse(
                f
                  .split('\n')
                  .find((l) => l.startsWith('data: '))!
                  .slice(6),
              ) as Record<string, unknown>,
          );
      const pump = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += decoder.decode(value);
        }
      })();
      await waitFor('ready frame', () => text.includes('event: ready'));
      assert.equal(Number((await r.redis.pubsub('NUMSUB', r.keys.eventsLive()))[1]), 1);

      // Events of two templates, written as the send path does; only template 7 reaches the tail.
      let round = 0;
      await waitFor(
        'live events of template 7',
        async () => {
          const t = NOW + round++ * 1000;
          const mk = (templateId: number, appId = 1): LifecycleEvent => ({
            messageId: newId(t),
            templateId,
            appId,
            receiver: appId === 1 ? 'bob' : 'eve',
            channel: 'sandbox',
            messageType: 'notice',
            state: 'sent',
            at: t,
            reason: '',
          });
          // Template 7 sent by another app (shared with it) is that app's: not in this app's tail.
          await writeEvents(r.redis, r.keys, N, [mk(6), mk(7, 2), mk(7), mk(6)]);
          await new Promise((res) => setTimeout(res, 250));
          return frames().length > 0;
        },
        15_000,
      );
      const got = frames();
      assert.ok(got.every((e) => e.templateId === 7 && e.state === 'sent' && typeof e.at === 'string'));
      assert.ok(got.every((e) => typeof e.id === 'string' && typeof e.messageId === 'string'));
      assert.ok(
        got.every((e) => e.receiver === 'bob'),
        "another app's events are filtered out",
      );

      await reader.cancel();
      await pump;
      await waitFor(
        'unsubscribed after disconnect',
        async () => Number((await r.redis.pubsub('NUMSUB', r.keys.eventsLive()))[1]) === 0,
      );
      assert.ok((await agg.lag()).total >= 0);
    } finally {
      await agg?.close();
      blocking.disconnect();
    }
  });
});
