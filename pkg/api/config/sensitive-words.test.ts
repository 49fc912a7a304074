import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Redis } from 'ioredis';
import { createLiveConfig, LIVE_CONFIG_NAME, publishConfigChanged } from '../../pipeline/live-config.ts';
import { type ConfigStore, createConfigStore } from '../../store/configStore.ts';
import { silentLogger } from '../../telemetry/logger.ts';
import { testDb, testRedis, waitFor } from '../../testkit/testkit.ts';
import { errorHandler, notFoundHandler } from '../errors.ts';
import { configRoutes } from './routes.ts';
import { sensitiveWordsRoutes } from './sensitive-words.ts';

/**
 * The sensitive-words routes over the real config store (MariaDB), mounted as the ingest mounts
 * them: beside the config routes under `/v1/admin/config`, on an OpenAPIHono root.
 */
describe('/v1/admin/config/sensitive-words', () => {
  let d: Awaited<ReturnType<typeof testDb>>;
  let r: Awaited<ReturnType<typeof testRedis>>;
  let store: ConfigStore;
  let app: OpenAPIHono;
  const subscribers: Redis[] = [];

  before(async () => {
    d = await testDb('mysql');
    r = await testRedis();
    store = createConfigStore(d.db);
    const publish = () => publishConfigChanged(r.redis, r.keys);
    const config = new OpenAPIHono();
    config.route('/sensitive-words', sensitiveWordsRoutes({ store, publish, log: silentLogger }));
    config.route('/', configRoutes({ store, publish, log: silentLogger }));
    app = new OpenAPIHono();
    app.onError(errorHandler(silentLogger));
    app.notFound(notFoundHandler);
    app.route('/v1/admin/config', config);
    app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 't', version: '1' } });
  });
  after(async () => {
    for (const s of subscribers) s.disconnect();
    await d.cleanup();
    await r.cleanup();
  });
  beforeEach(async () => {
    await d.db.deleteFrom('config').execute();
    await d.db.deleteFrom('config_audit').execute();
  });

  const call = async (method: string, body?: string, type = 'text/plain', query = '', headers = {}) => {
    const res = await app.request(`/v1/admin/config/sensitive-words${query}`, {
      method,
      headers: { 'content-type': type, ...headers },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const list = async (query = '') => (await call('GET', undefined, 'text/plain', query)).body;

  test('an empty dictionary to begin with', async () => {
    assert.deepEqual(await list(), { total: 0, offset: 0, limit: 100, items: [] });
  });

  test('POST text/plain adds words one a line: normalised, kept once, sorted', async () => {
    const r1 = await call('POST', 'Foo\n\n  foo \r\n敏感词\nＢＡＲ\n');
    assert.deepEqual(r1, { status: 200, body: { total: 3, added: 3, removed: 0 } });
    assert.deepEqual((await list()).items, ['bar', 'foo', '敏感词']);
    const r2 = await call('POST', '["FOO", "baz"]', 'application/json');
    assert.deepEqual(r2.body, { total: 4, added: 1, removed: 0 });
  });

  test('PUT replaces; DELETE removes by the normalised word; other sections are kept', async () => {
    await app.request('/v1/admin/config', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ discardTemplateIds: [7] }),
    });
    await call('POST', 'a\nb\nc');
    assert.deepEqual((await call('PUT', JSON.stringify({ words: ['c', 'd'] }), 'application/json')).body, {
      total: 2,
      added: 1,
      removed: 2,
    });
    assert.deepEqual((await call('DELETE', 'D\nzzz')).body, { total: 1, added: 0, removed: 1 });
    const cfg = (await (await app.request('/v1/admin/config')).json()) as Record<string, unknown>;
    assert.deepEqual(cfg.discardTemplateIds, [7]);
    assert.deepEqual(cfg.sensitiveWords, { words: ['c'] });
  });

  test('GET pages through the sorted words and filters by q', async () => {
    await call('PUT', Array.from({ length: 250 }, (_, i) => `w${String(i).padStart(3, '0')}`).join('\n'));
    const p = await list('?offset=100&limit=2');
    assert.deepEqual(p, { total: 250, offset: 100, limit: 2, items: ['w100', 'w101'] });
    assert.deepEqual((await list('?q=W24')).items, [
      'w240',
      'w241',
      'w242',
      'w243',
      'w244',
      'w245',
      'w246',
      'w247',
      'w248',
      'w249',
    ]);
    assert.equal((await call('GET', undefined, 'text/plain', '?limit=5000')).status, 422);
  });

  test('each change is audited with its actor; an unchanged dictionary writes nothing', async () => {
    await call('POST', 'x', 'text/plain', '', { 'x-actor': 'ops@shop' });
    await call('POST', 'X');
    const h = await store.history(LIVE_CONFIG_NAME, 10);
    assert.equal(h.length, 1);
    assert.equal(h[0]!.actor, 'ops@shop');
    assert.equal((await call('POST', 'y', 'text/plain', '', { 'x-actor': 'bad\u0001' })).status, 422);
  });

  test('bad input: 415, 400, 422 naming the line or index; nothing stored', async () => {
    const form = await call('POST', 'a=b', 'application/x-www-form-urlencoded');
    assert.equal(form.status, 415);
    assert.equal((form.body.error as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await call('POST', '[', 'application/json')).status, 400);
    const long = await call('POST', `ok\n\n${'x'.repeat(33)}`);
    assert.equal(long.status, 422);
    assert.deepEqual((long.body.error as { details: unknown }).details, [
      { path: 'line 3', message: 'longer than 32 characters' },
    ]);
    const idx = await call('POST', JSON.stringify({ words: ['ok', 'a\u0007'] }), 'application/json');
    assert.deepEqual((idx.body.error as { details: unknown }).details, [
      { path: 'words.1', message: 'contains a control character' },
    ]);
    assert.equal((await call('POST', '[1, 2]', 'application/json')).status, 422);
    assert.equal((await list()).total, 0);
  });

  test('100,000 words are taken in one upload; one more is refused', async () => {
    const words = Array.from({ length: 100_000 }, (_, i) => `词${i}`);
    const ok = await call('PUT', words.join('\n'));
    assert.deepEqual(ok.body, { total: 100_000, added: 100_000, removed: 0 });
    const over = await call('POST', 'one more');
    assert.equal(over.status, 422);
    assert.match((over.body.error as { message: string }).message, /more than 100000 distinct words/);
    assert.equal((await list('?limit=0')).total, 100_000);
  });

  test('a stored config that does not parse is not overwritten from here (409)', async () => {
    await store.set(LIVE_CONFIG_NAME, { discardTemplateIds: ['x'] }, 'test');
    const res = await call('POST', 'a');
    assert.equal(res.status, 409);
    assert.equal((res.body.error as { code: string }).code, 'CONFIG_INVALID');
  });

  test('a running process sees the change within seconds', async () => {
    const sub = new Redis(r.url, { maxRetriesPerRequest: null });
    subscribers.push(sub);
    const live = createLiveConfig({
      load: () => store.get(LIVE_CONFIG_NAME),
      subscriber: sub,
      channel: r.keys.configChanged(),
      refreshMs: 60_000,
    });
    await live.ready;
    await waitFor(
      'subscribed',
      async () => Number((await r.redis.pubsub('NUMSUB', r.keys.configChanged()))[1]) > 0,
    );
    await call('POST', '机密');
    await waitFor('words applied', () => live.current().sensitiveWords.words.includes('机密'), 5000, 10);
    await live.close();
  });

  test('the routes are in /openapi.json', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const ops = doc.paths['/v1/admin/config/sensitive-words'];
    assert.deepEqual(Object.keys(ops ?? {}).sort(), ['delete', 'get', 'post', 'put']);
  });
});
