import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { type AuthEnv, auth } from '../../pkg/api/auth.ts';
import { deadLetterRoutes } from '../../pkg/api/dead-letter-routes.ts';
import { errorHandler, notFoundHandler } from '../../pkg/api/errors.ts';
import {
  type FakeWebhookReceiver,
  startFakeWebhookReceiver,
} from '../../pkg/channels/providers/webhook/fake.ts';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { createDeadLetters } from '../../pkg/deadletters/dead-letters.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { todayIn } from '../../pkg/stats/index.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { startStack } from '../../pkg/testkit/stack.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';

// The issue's acceptance test: a webhook receiver that refuses everything permanently (HTTP 400)
// makes 100 deliveries dead-letter; it recovers; one bulk replay by filter sends each exactly
// once, every timeline shows `replayed` then `sent`, the template stats count 100 `replayed`;
// replaying the same ids again replays nothing; another app can neither see nor touch them.
// Ingest, handler and aggregator run in this process on real Redis and MariaDB.
const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const N = 100;

describe('dead letters end to end: permanent failures, bulk replay, exactly once, tenancy', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let rx: FakeWebhookReceiver;
  let base = '';
  const closers: Closer[] = [];
  /** The dead-letter routes mounted as pkg/api/app.ts is to mount them. */
  let ops: OpenAPIHono<AuthEnv>;
  /** Whether ingest serves the dead-letter routes itself (then they are called over HTTP). */
  let viaIngest = false;
  let keyA = '';
  let keyB = '';
  let tplA = 0;
  let tplB = 0;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    rx = await startFakeWebhookReceiver({ secret: HOOK_SECRET });
    rx.answer({ status: 400, body: 'no such order' });
    const env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      { EVENT_PARTITIONS: '4', RETRY_BASE_MS: '50', RETRY_MAX_MS: '200', HANDLER_CONCURRENCY: '20' },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'dead-letters-e2e');
    const stack = await startStack(core);
    base = stack.base;
    closers.push(...stack.closers);

    const a = await core.repos.apps.create({ name: 'shop-a' });
    const b = await core.repos.apps.create({ name: 'shop-b' });
    keyA = a.apiKey;
    keyB = b.apiKey;
    const account = await core.repos.accounts.create({
      name: 'hooks (on-prem)',
      channel: 'webhook',
      provider: 'webhook',
      config: { secret: HOOK_SECRET, allowPrivateNetworks: true },
    });
    const template = (name: string, appId: number) =>
      core.repos.templates.create({
        name,
        channel: 'webhook',
        messageType: 'notice',
        accountId: account.id,
        appId,
        content: { body: { event: 'order.paid', order: '{$order}' } },
      });
    tplA = (await template('paid (a)', a.app.id)).id;
    tplB = (await template('paid (b)', b.app.id)).id;

    ops = new OpenAPIHono<AuthEnv>();
    ops.onError(errorHandler(core.log));
    ops.notFound(notFoundHandler);
    const lookupApp = (apiKey: string) => core.repos.apps.findByKey(apiKey);
    ops.use('/v1/admin/*', auth({ adminToken: core.config.adminToken }));
    ops.use(
      '/v1/dead-letters/*',
      auth({ adminToken: core.config.adminToken, lookupApp, mode: 'app-or-admin' }),
    );
    const dl = deadLetterRoutes({
      deadLetters: createDeadLetters({ redis: core.redis, keys: core.keys, ledger: core.ledger }),
    });
    ops.route('/v1/admin/dead-letters', dl);
    ops.route('/v1/dead-letters', dl);
    // Once pkg/api/app.ts mounts the routes, the test goes through the real ingest over HTTP.
    const probe = await fetch(`${base}/v1/admin/dead-letters`, {
      headers: { authorization: `Bearer ${core.config.adminToken}` },
    });
    viaIngest = probe.status === 200;
  });

  after(async () => {
    for (const c of [...closers].reverse()) await c.close();
    await rx.close();
    await r.cleanup();
    await t.cleanup();
  });

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const init = {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    };
    const res = viaIngest ? await fetch(`${base}${path}`, init) : await ops.request(path, init);
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely, asserting shapes
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  const admin = () => core.config.adminToken;
  /** Requests the receiver answered 2xx, per message id (the `webhook-id` header). */
  const accepted = () => {
    const m = new Map<string, number>();
    for (const x of rx.received)
      if (typeof x.answered === 'number' && x.answered < 300)
        m.set(x.headers['webhook-id']!, (m.get(x.headers['webhook-id']!) ?? 0) + 1);
    return m;
  };
  async function send(apiKey: string, templateId: number, n: number, tag: string): Promise<string[]> {
    const receivers = Array.from({ length: n }, (_, i) => `${rx.url}/orders/${tag}/${i}`);
    const res = await createClient({ baseUrl: base, apiKey }).send({
      templateId,
      messages: [{ receivers, variables: { order: tag } }],
    });
    assert.equal(res.messageIds.length, n);
    return res.messageIds;
  }
  /** Every dead letter a caller can list (all pages). */
  async function listAll(token: string, query = ''): Promise<{ id: string; messageId: string }[]> {
    const out: { id: string; messageId: string }[] = [];
    let cursor = '';
    for (let pages = 0; pages < 100; pages++) {
      const prefix = token === admin() ? '/v1/admin/dead-letters' : '/v1/dead-letters';
      const res = await call('GET', `${prefix}?limit=40${query}${cursor ? `&cursor=${cursor}` : ''}`, token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      out.push(...res.body.items);
      if (!res.body.next) return out;
      cursor = res.body.next;
    }
    throw new Error('listing did not end');
  }
  const states = async (id: string) =>
    (await createClient({ baseUrl: base, apiKey: admin() }).message(id)).timeline.map((x) => x.state);

  test('100 permanent failures dead-letter; after recovery one bulk replay sends each exactly once', async () => {
    const idsA = await send(keyA, tplA, N, 'a');
    const idsB = await send(keyB, tplB, 3, 'b');
    await waitFor(
      'every delivery dead-lettered',
      async () => (await r.redis.xlen(core.keys.deadLetters('webhook.notice'))) === N + 3,
      60_000,
      50,
    );
    assert.equal(accepted().size, 0, 'the receiver accepted nothing yet');
    assert.equal(rx.received.length, N + 3, 'a permanent refusal is not retried');

    // Listing: the admin sees all 103, app A its 100, app B its 3, each with its reason.
    const listedA = await listAll(keyA);
    assert.deepEqual(listedA.map((x) => x.messageId).sort(), [...idsA].sort());
    const listedB = await listAll(keyB);
    assert.deepEqual(listedB.map((x) => x.messageId).sort(), [...idsB].sort());
    assert.equal((await listAll(admin(), '&reason=HTTP_400&route=webhook.notice')).length, N + 3);
    const one = await call('GET', `/v1/dead-letters/${listedA[0]!.id}`, keyA);
    assert.equal(one.status, 200);
    assert.equal(one.body.reason, 'HTTP_400');
    assert.equal(one.body.state, 'failed');

    // App B cannot see, replay or discard app A's dead letters: 404 like a missing one.
    const idsOfA = listedA.map((x) => x.id);
    const missing = await call('GET', '/v1/dead-letters/webhook.notice:1-0', keyB);
    assert.equal(missing.status, 404);
    for (const id of idsOfA.slice(0, 5)) {
      const got = await call('GET', `/v1/dead-letters/${id}`, keyB);
      assert.equal(got.status, 404);
      assert.deepEqual(got.body.error.code, missing.body.error.code);
      assert.equal((await call('DELETE', `/v1/dead-letters/${id}`, keyB)).status, 404);
    }
    assert.deepEqual((await call('POST', '/v1/dead-letters/replay', keyB, { ids: idsOfA })).body, {
      replayed: 0,
    });
    assert.deepEqual(
      (await call('POST', '/v1/dead-letters/replay', keyB, { filter: { templateId: tplA } })).body,
      { replayed: 0 },
    );
    assert.equal((await listAll(keyA)).length, N, "app A's dead letters are all still there");

    rx.answer({ status: 204 });
    const replay = await call('POST', '/v1/dead-letters/replay', keyA, {
      filter: { route: 'webhook.notice', templateId: tplA, reason: 'HTTP_400' },
    });
    assert.deepEqual(replay.body, { replayed: N });
    await waitFor(
      'every replayed message sent',
      async () =>
        (await Promise.all(idsA.map((id) => core.ledger.record(id)))).every((x) => x?.st === 'sent'),
      60_000,
      50,
    );
    const got = accepted();
    assert.deepEqual(
      idsA.map((id) => got.get(id) ?? 0),
      idsA.map(() => 1),
      'each replayed message reached the receiver exactly once',
    );
    assert.equal(got.size, N, "nothing of app B's was sent");
    for (const id of idsA) {
      const s = await states(id);
      assert.deepEqual(s.slice(-2), ['replayed', 'sent'], `${id}: ${s.join(' → ')}`);
      assert.deepEqual(
        s.filter((x) => x === 'replayed' || x === 'sent'),
        ['replayed', 'sent'],
      );
    }
    assert.equal((await listAll(keyA)).length, 0, 'no dead letter of app A left');
    assert.equal((await listAll(keyB)).length, 3);

    // Stats are folded from the `replayed` events like any other state.
    const day = todayIn(core.config.timezone, Date.now());
    const stats = createClient({ baseUrl: base, apiKey: admin() });
    const counts = (await waitFor(
      'stats folded',
      async () => {
        const c = (await stats.templateStats(tplA, day, day)).days[0]!.counts as Record<string, number>;
        return c.sent === N && c.replayed === N ? c : undefined;
      },
      30_000,
      100,
    ))!;
    assert.equal(counts.failed, N);
    assert.equal(counts.dead_lettered, N);
    assert.equal(counts.accepted, N);

    // The same ids again: nothing replayed, nothing enters the stream, nothing more is sent.
    const added = async () => {
      const info = (await r.redis.xinfo('STREAM', core.keys.stream('webhook.notice'))) as unknown[];
      return Number(info[info.indexOf('entries-added') + 1]);
    };
    const addedBefore = await added();
    const receivedBefore = rx.received.length;
    assert.deepEqual((await call('POST', '/v1/dead-letters/replay', keyA, { ids: idsOfA })).body, {
      replayed: 0,
    });
    assert.deepEqual((await call('POST', '/v1/admin/dead-letters/replay', admin(), { ids: idsOfA })).body, {
      replayed: 0,
    });
    assert.deepEqual(
      (await call('POST', '/v1/dead-letters/replay', keyA, { filter: { templateId: tplA } })).body,
      { replayed: 0 },
    );
    assert.equal(await added(), addedBefore, 'no delivery entered the stream again');
    assert.equal(rx.received.length, receivedBefore);
    const again = (await stats.templateStats(tplA, day, day)).days[0]!.counts as Record<string, number>;
    assert.equal(again.replayed, N);
  });
});
