import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { pino } from 'pino';
import { createDeadLetters } from '../deadletters/dead-letters.ts';
import type { Route } from '../domain/channels.ts';
import { type Delivery, encodeDelivery, fieldsToRecord } from '../domain/delivery.ts';
import { createLedger, type Ledger } from '../lifecycle/ledger.ts';
import { createRepos } from '../store/repos.ts';
import { testDelivery } from '../testkit/messages.ts';
import { testDb, testRedis } from '../testkit/testkit.ts';
import { type AuthEnv, auth } from './auth.ts';
import { deadLetterRoutes } from './dead-letter-routes.ts';
import { errorHandler, notFoundHandler } from './errors.ts';

const ADMIN = `admin-${randomBytes(8).toString('hex')}`;

describe('dead-letter routes (admin and app mounts, real Redis and SQLite)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let ledger: Ledger;
  let app: OpenAPIHono<AuthEnv>;
  let keyA: string;
  let keyB: string;
  let appA: number;
  let appB: number;

  before(async () => {
    r = await testRedis();
    t = await testDb('sqlite');
    const repos = createRepos(t.db, { secretKey: randomBytes(32), dialect: 'sqlite' });
    const a = await repos.apps.create({ name: 'shop-a' });
    const b = await repos.apps.create({ name: 'shop-b' });
    [keyA, keyB, appA, appB] = [a.apiKey, b.apiKey, a.app.id, b.app.id];
    ledger = createLedger({ redis: r.redis, keys: r.keys, partitions: 2, ttlMs: 86_400_000 });
    const routes = deadLetterRoutes({
      deadLetters: createDeadLetters({ redis: r.redis, keys: r.keys, ledger }),
    });
    // Mounted the way createApp mounts it (pkg/api/app.ts).
    app = new OpenAPIHono<AuthEnv>();
    app.onError(errorHandler(pino({ level: 'silent' })));
    app.notFound(notFoundHandler);
    const lookupApp = (apiKey: string) => repos.apps.findByKey(apiKey);
    app.use('/v1/admin/*', auth({ adminToken: ADMIN }));
    app.use('/v1/dead-letters/*', auth({ adminToken: ADMIN, lookupApp, mode: 'app-or-admin' }));
    app.route('/v1/admin/dead-letters', routes);
    app.route('/v1/dead-letters', routes);
    app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 't', version: '1' } });
  });
  after(async () => {
    await r.cleanup();
    await t.cleanup();
  });

  const call = async (method: string, path: string, token: string | null, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.request(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely, asserting shapes
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  async function deadLetter(
    over: Partial<Delivery>,
    reason = 'HTTP_400',
  ): Promise<{ d: Delivery; id: string }> {
    const d = testDelivery({ channel: 'webhook', receiver: 'https://hooks.example.com/x', ...over });
    const route = `${d.channel}.${d.messageType}` as Route;
    await ledger.accept(d, Date.now());
    await ledger.fail(d, reason);
    const entryId = await r.redis.xadd(
      r.keys.deadLetters(route),
      '*',
      ...encodeDelivery(d),
      'dlq_reason',
      reason,
      'dlq_message',
      'answered 400',
    );
    return { d, id: `${route}:${entryId}` };
  }

  test('the admin lists everything on both mounts; an app lists only its own; the admin mount refuses app keys', async () => {
    const a1 = await deadLetter({ appId: appA, templateId: 3 });
    const b1 = await deadLetter({ appId: appB, templateId: 4 });
    const all = await call('GET', '/v1/admin/dead-letters', ADMIN);
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.items.map((i: { id: string }) => i.id),
      [b1.id, a1.id],
    );
    assert.equal(all.body.next, null);
    assert.equal(all.body.items[1].appId, appA);
    assert.equal(all.body.items[1].lastError, 'answered 400');
    assert.equal((await call('GET', '/v1/dead-letters', ADMIN)).body.items.length, 2);
    const mine = await call('GET', '/v1/dead-letters?limit=10', keyA);
    assert.equal(mine.status, 200);
    assert.deepEqual(
      mine.body.items.map((i: { id: string }) => i.id),
      [a1.id],
    );
    // Naming the other app changes nothing for an app.
    const sneaky = await call('GET', `/v1/dead-letters?appId=${appB}&templateId=4`, keyA);
    assert.deepEqual(sneaky.body.items, []);
    assert.equal((await call('GET', '/v1/admin/dead-letters', keyA)).status, 401);
    assert.equal((await call('GET', '/v1/dead-letters', null)).status, 401);
    assert.equal((await call('GET', '/v1/dead-letters', 'pk_nope')).status, 401);
    const filtered = await call(
      'GET',
      `/v1/admin/dead-letters?route=webhook.notice&templateId=4&reason=HTTP_400`,
      ADMIN,
    );
    assert.deepEqual(
      filtered.body.items.map((i: { id: string }) => i.id),
      [b1.id],
    );
    await call('POST', '/v1/admin/dead-letters/replay', ADMIN, { filter: {} });
  });

  test('inspect, replay and discard: another app gets exactly the answer of a missing id', async () => {
    const a1 = await deadLetter({ appId: appA, variables: { order: 'A-1' } });
    const path = `/v1/dead-letters/${a1.id}`;
    const own = await call('GET', path, keyA);
    assert.equal(own.status, 200);
    assert.equal(own.body.messageId, a1.d.id);
    assert.equal(own.body.state, 'failed');
    assert.deepEqual(own.body.variables, { order: 'A-1' });
    const viaAdmin = await call('GET', `/v1/admin/dead-letters/${encodeURIComponent(a1.id)}`, ADMIN);
    assert.equal(viaAdmin.status, 200, 'an escaped colon works too');

    const foreign = await call('GET', path, keyB);
    const foreignDelete = await call('DELETE', path, keyB);
    const foreignReplay = await call('POST', '/v1/dead-letters/replay', keyB, { ids: [a1.id] });
    const foreignBulk = await call('POST', '/v1/dead-letters/replay', keyB, { filter: {} });
    assert.equal(foreign.status, 404);
    assert.deepEqual(foreignReplay.body, { replayed: 0 });
    assert.deepEqual(foreignBulk.body, { replayed: 0 });
    assert.equal((await ledger.record(a1.d.id))?.st, 'failed', 'untouched');

    // Once it is really gone, the answers are the same as B's were.
    assert.equal((await call('DELETE', path, keyA)).status, 204);
    assert.deepEqual(await call('GET', path, keyB), foreign);
    assert.deepEqual(await call('GET', path, keyA), foreign);
    assert.deepEqual(await call('DELETE', path, keyA), foreignDelete);
    assert.equal(foreign.body.error.code, 'DEAD_LETTER_NOT_FOUND');
    assert.equal((await call('GET', '/v1/dead-letters/not-an-id', ADMIN)).status, 404);
  });

  test('replay by ids answers how many went back; the same ids again replay none', async () => {
    const made = await Promise.all([
      deadLetter({ appId: appA }),
      deadLetter({ appId: appA }),
      deadLetter({ appId: appB }),
    ]);
    const ids = made.map((m) => m.id);
    assert.deepEqual((await call('POST', '/v1/dead-letters/replay', keyA, { ids })).body, { replayed: 2 });
    assert.deepEqual((await call('POST', '/v1/dead-letters/replay', keyA, { ids })).body, { replayed: 0 });
    const onStream = new Set(
      (await r.redis.xrange(r.keys.stream('webhook.notice'), '-', '+')).map(([, f]) => fieldsToRecord(f).id),
    );
    assert.deepEqual(
      made.map((m) => onStream.has(m.d.id)),
      [true, true, false],
    );
    assert.deepEqual((await call('POST', '/v1/admin/dead-letters/replay', ADMIN, { ids })).body, {
      replayed: 1,
    });
    const trace = await ledger.record(made[0]!.d.id);
    assert.equal(trace?.st, 'replayed');
  });

  test('bad input is a 422 naming the field, never a 5xx', async () => {
    const bad = async (method: string, path: string, body?: unknown) => {
      const res = await call(method, path, ADMIN, body);
      assert.equal(res.status, 422, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      return res.body.error;
    };
    assert.match((await bad('GET', '/v1/admin/dead-letters?cursor=zzz')).message, /cursor/);
    assert.match((await bad('GET', '/v1/admin/dead-letters?route=mail.notice')).message, /route/);
    assert.match((await bad('GET', '/v1/admin/dead-letters?from=yesterday')).message, /from/);
    assert.match((await bad('GET', '/v1/admin/dead-letters?limit=5000')).message, /limit/);
    assert.match((await bad('GET', '/v1/admin/dead-letters?templateId=x')).message, /templateId/);
    const replay = '/v1/admin/dead-letters/replay';
    assert.match((await bad('POST', replay, {})).message, /either ids or filter/);
    assert.match((await bad('POST', replay, { ids: ['email.notice:1-0'], filter: {} })).message, /either/);
    assert.match((await bad('POST', replay, { ids: [] })).message, /ids/);
    assert.match((await bad('POST', replay, { ids: ['nope'] })).message, /ids\.0.*dead-letter id/);
    assert.match((await bad('POST', replay, { filter: { route: 'x' } })).message, /filter\.route/);
    assert.match((await bad('POST', replay, { filter: { colour: 'red' } })).message, /filter/);
    const notJson = await call('POST', replay, ADMIN, '{nope');
    assert.ok(notJson.status === 400 || notJson.status === 422, String(notJson.status));
    // Times: ISO 8601 with an offset, or epoch ms; both filter the same way.
    const ok = await call(
      'GET',
      '/v1/admin/dead-letters?from=2026-11-23T00:00:00%2B08:00&to=1900000000000',
      ADMIN,
    );
    assert.equal(ok.status, 200);
    const body = await call('POST', replay, ADMIN, { filter: { from: '2026-11-23T00:00:00Z', to: 1 } });
    assert.deepEqual(body.body, { replayed: 0 });
  });

  test('both mounts are described in /openapi.json', async () => {
    const doc = (await call('GET', '/openapi.json', null)).body;
    for (const p of ['/v1/admin/dead-letters', '/v1/dead-letters']) {
      assert.ok(doc.paths[p]?.get, `${p} GET`);
      assert.ok(doc.paths[`${p}/{id}`]?.get && doc.paths[`${p}/{id}`]?.delete, `${p}/{id}`);
      assert.ok(doc.paths[`${p}/replay`]?.post, `${p}/replay`);
    }
  });
});
