import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { createLiveConfig, publishConfigChanged } from '../../pipeline/live-config.ts';
import type { createConfigStore } from '../../store/configStore.ts';
import type { Db } from '../../store/db.ts';
import { silentLogger } from '../../telemetry/logger.ts';
import { testDb, testRedis, waitFor } from '../../testkit/testkit.ts';
import { errorHandler, notFoundHandler } from '../errors.ts';
import { type ConfigAuditEntry, type ConfigStore, configRoutes } from './routes.ts';

/**
 * A tiny store over the real `config` / `config_audit` tables. The official repository
 * (pkg/store/configStore.ts) must fit the same interface: checked at compile time below.
 */
function sqlConfigStore(db: Db): ConfigStore {
  return {
    async get(name) {
      const row = await db.selectFrom('config').select('value').where('name', '=', name).executeTakeFirst();
      return row ? JSON.parse(row.value) : undefined;
    },
    async set(name, value, actor) {
      await db.transaction().execute(async (tx) => {
        const at = Date.now();
        const json = JSON.stringify(value);
        const old = await tx.selectFrom('config').select('value').where('name', '=', name).executeTakeFirst();
        if (old) {
          await tx
            .updateTable('config')
            .set({ value: json, updated_at: at, updated_by: actor })
            .where('name', '=', name)
            .execute();
        } else {
          await tx
            .insertInto('config')
            .values({ name, value: json, updated_at: at, updated_by: actor })
            .execute();
        }
        await tx
          .insertInto('config_audit')
          .values({ name, old_value: old?.value ?? null, new_value: json, actor, at })
          .execute();
      });
    },
    async history(name, limit) {
      const rows = await db
        .selectFrom('config_audit')
        .selectAll()
        .where('name', '=', name)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(
        (r): ConfigAuditEntry => ({
          name: r.name,
          actor: r.actor,
          at: r.at,
          old: r.old_value === null ? undefined : JSON.parse(r.old_value),
          new: JSON.parse(r.new_value),
        }),
      );
    },
  };
}

// Compile-time check: the official repository can be passed to configRoutes as is.
type OfficialStoreFits = ReturnType<typeof createConfigStore> extends ConfigStore ? true : never;
const officialStoreFits: OfficialStoreFits = true;
void officialStoreFits;

describe('/v1/admin/config', () => {
  let d: Awaited<ReturnType<typeof testDb>>;
  let r: Awaited<ReturnType<typeof testRedis>>;
  let store: ConfigStore;
  let published = 0;
  let publishFails = false;
  let app: Hono;

  before(async () => {
    d = await testDb('mysql');
    r = await testRedis();
    store = sqlConfigStore(d.db);
    app = new Hono();
    app.onError(errorHandler(silentLogger));
    app.notFound(notFoundHandler);
    app.route(
      '/v1/admin/config',
      configRoutes({
        store,
        log: silentLogger,
        publish: async () => {
          if (publishFails) throw new Error('redis down');
          published++;
          await publishConfigChanged(r.redis, r.keys);
        },
      }),
    );
  });
  after(async () => {
    await d.cleanup();
    await r.cleanup();
  });
  beforeEach(async () => {
    await d.db.deleteFrom('config').execute();
    await d.db.deleteFrom('config_audit').execute();
    published = 0;
    publishFails = false;
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request(`/v1/admin/config${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('GET answers the defaults when nothing is stored', async () => {
    const res = await call('GET', '');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.whitelist, { enabled: false, receivers: [] });
    assert.deepEqual(res.body.quietHours, { start: '22:00', end: '08:00', timezone: 'Asia/Shanghai' });
  });

  test('PUT validates, stores with an audit entry, announces and answers the new config', async () => {
    const res = await call(
      'PUT',
      '',
      {
        discardTemplateIds: [3],
        whitelist: { enabled: false, receivers: [] },
        concurrency: { 'email.notice': 50 },
      },
      { 'x-actor': 'ops@shop' },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.discardTemplateIds, [3]);
    assert.deepEqual(res.body.concurrency, { 'email.notice': 50 });
    assert.deepEqual(res.body.dedup, {
      contentWindowSec: 0,
      frequency: { limit: 0, per: 'day', windowSec: 86_400 },
    });
    assert.equal(published, 1);
    const stored = (await store.get('live')) as Record<string, unknown>;
    assert.deepEqual(stored, res.body);
    assert.deepEqual((await call('GET', '')).body, res.body);

    await call('PUT', '', { discardTemplateIds: [4] });
    const hist = await call('GET', '/history');
    assert.equal(hist.status, 200);
    const items = hist.body.items as {
      actor: string;
      old: { discardTemplateIds: number[] } | null;
      new: { discardTemplateIds: number[] };
      at: string;
    }[];
    assert.equal(hist.body.total, 2);
    assert.deepEqual(
      items.map((i) => [i.actor, i.old?.discardTemplateIds ?? null, i.new.discardTemplateIds]),
      [
        ['admin', [3], [4]],
        ['ops@shop', null, [3]],
      ],
    );
    assert.ok(Date.parse(items[0]!.at) > Date.now() - 60_000);
    assert.equal(((await call('GET', '/history?limit=1')).body.items as unknown[]).length, 1);
  });

  test('PUT with bad fields is a 422 naming them, and nothing is written', async () => {
    await call('PUT', '', { discardTemplateIds: [3] });
    const res = await call('PUT', '', {
      discardTemplateIds: [-1],
      concurrency: { 'mail.notice': 5 },
      dedup: { frequency: { limit: 2, per: 'week' } },
      nonsense: true,
    });
    assert.equal(res.status, 422);
    const err = res.body.error as { code: string; details: { path: string }[] };
    assert.equal(err.code, 'VALIDATION_FAILED');
    assert.deepEqual(err.details.map((x) => x.path).sort(), [
      'concurrency.mail.notice',
      'dedup.frequency.per',
      'discardTemplateIds.0',
      'nonsense',
    ]);
    assert.deepEqual(((await store.get('live')) as { discardTemplateIds: number[] }).discardTemplateIds, [3]);
    assert.equal((await store.history('live', 10)).length, 1);
    assert.equal(published, 1);
  });

  test('PUT with a body that is not JSON / not an object', async () => {
    assert.equal((await call('PUT', '', '{"discard')).status, 400);
    const arr = await call('PUT', '', [1, 2]);
    assert.equal(arr.status, 422);
    assert.equal((await store.history('live', 10)).length, 0);
  });

  test('a bad X-Actor is refused', async () => {
    const res = await call('PUT', '', {}, { 'x-actor': 'x\u0001y' });
    assert.equal(res.status, 422);
    assert.equal((await store.history('live', 10)).length, 0);
  });

  test('PATCH replaces only the sections given', async () => {
    await call('PUT', '', { discardTemplateIds: [3], rateLimits: { '2': { rate: 10, burst: 20 } } });
    const res = await call('PATCH', '', { whitelist: { enabled: true, receivers: ['a@x.com'] } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.discardTemplateIds, [3]);
    assert.deepEqual(res.body.rateLimits, { '2': { rate: 10, burst: 20 } });
    assert.deepEqual(res.body.whitelist, { enabled: true, receivers: ['a@x.com'] });
    const bad = await call('PATCH', '', { whitelist: { enabled: 1 } });
    assert.equal(bad.status, 422);
    assert.deepEqual(
      (bad.body.error as { details: { path: string }[] }).details.map((x) => x.path),
      ['whitelist.enabled'],
    );
  });

  test('a failed announcement still stores the change (handlers pick it up on refresh)', async () => {
    publishFails = true;
    const res = await call('PUT', '', { discardTemplateIds: [8] });
    assert.equal(res.status, 200);
    assert.deepEqual(((await store.get('live')) as { discardTemplateIds: number[] }).discardTemplateIds, [8]);
  });

  test('GET /history rejects a bad limit', async () => {
    assert.equal((await call('GET', '/history?limit=0')).status, 422);
    assert.equal((await call('GET', '/history?limit=abc')).status, 422);
  });

  test('end to end: a PUT reaches a running live config within 5 s', async () => {
    const subscriber = new Redis(r.url, { maxRetriesPerRequest: null });
    const live = createLiveConfig({
      load: () => store.get('live'),
      subscriber,
      channel: r.keys.configChanged(),
      refreshMs: 60_000, // only the announcement can deliver the change in time
    });
    try {
      await live.ready;
      await waitFor(
        'subscribed',
        async () => Number((await r.redis.pubsub('NUMSUB', r.keys.configChanged()))[1]) > 0,
      );
      const t0 = Date.now();
      assert.equal(
        (await call('PUT', '', { discardTemplateIds: [42], concurrency: { 'sms.auth': 7 } })).status,
        200,
      );
      await waitFor('handler sees the change', () => live.current().discardTemplateIds.includes(42), 5000, 5);
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(live.current().concurrency['sms.auth'], 7);
    } finally {
      await live.close();
      subscriber.disconnect();
    }
  });
});
