import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashApiKey } from '../api/auth.ts';
import { AppError } from '../domain/errors.ts';
import { testDb } from '../testkit/testkit.ts';
import { createAppsRepo } from './apps.ts';

const isCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`apps repo (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    let apps: ReturnType<typeof createAppsRepo>;
    before(async () => {
      t = await testDb(dialect);
      apps = createAppsRepo(t.db);
    });
    after(() => t.cleanup());

    test('create returns the key once and stores only its hash and hint', async () => {
      const { app, apiKey } = await apps.create({ name: 'shop' });
      assert.match(apiKey, /^pk_[A-Za-z0-9_-]{32}$/);
      assert.equal(app.name, 'shop');
      assert.equal(app.apiKeyHint, apiKey.slice(0, 8));
      assert.equal(app.rateLimit, null);
      assert.equal(app.deletedAt, null);
      const row = await t.db
        .selectFrom('apps')
        .selectAll()
        .where('id', '=', app.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.api_key_hash, hashApiKey(apiKey));
      assert.ok(!JSON.stringify(row).includes(apiKey));
      assert.deepEqual(await apps.findByKeyHash(hashApiKey(apiKey)), {
        id: app.id,
        name: 'shop',
        rateLimit: null,
      });
      assert.equal(await apps.findByKeyHash(hashApiKey('pk_other')), undefined);
    });

    test('create validates input', async () => {
      await assert.rejects(apps.create({ name: '' }), isCode('VALIDATION_FAILED'));
      await assert.rejects(apps.create({ name: 'x', rateLimit: 0 }), (e: unknown) => {
        return e instanceof AppError && JSON.stringify(e.details).includes('rateLimit');
      });
    });

    test('list pages and filters by name substring (LIKE wildcards are literal)', async () => {
      for (const name of ['alpha', 'beta', 'alphabet', 'a%b']) await apps.create({ name });
      const all = await apps.list({ page: 1, pageSize: 2 });
      assert.equal(all.total, 5);
      assert.equal(all.items.length, 2);
      assert.equal(all.items[0]!.name, 'a%b'); // newest first
      const p3 = await apps.list({ page: 3, pageSize: 2 });
      assert.deepEqual(
        p3.items.map((a) => a.name),
        ['shop'],
      );
      const alpha = await apps.list({ name: 'alpha' });
      assert.deepEqual(alpha.items.map((a) => a.name).sort(), ['alpha', 'alphabet']);
      assert.equal(alpha.total, 2);
      assert.deepEqual(
        (await apps.list({ name: '%' })).items.map((a) => a.name),
        ['a%b'],
      );
    });

    test('get, update, rate limit', async () => {
      const { app } = await apps.create({ name: 'upd' });
      const u = await apps.update(app.id, { name: 'upd2', rateLimit: 50 });
      assert.equal(u.name, 'upd2');
      assert.equal(u.rateLimit, 50);
      assert.ok(u.updatedAt > app.updatedAt);
      assert.deepEqual(await apps.get(app.id), u);
      assert.equal((await apps.update(app.id, { rateLimit: null })).rateLimit, null);
      assert.equal(await apps.get(999_999), undefined);
      await assert.rejects(apps.update(999_999, { name: 'x' }), isCode('APP_NOT_FOUND'));
    });

    test('soft delete hides the app and its key; restore brings both back', async () => {
      const { app, apiKey } = await apps.create({ name: 'gone' });
      await apps.softDelete(app.id);
      assert.equal(await apps.get(app.id), undefined);
      assert.ok((await apps.get(app.id, { includeDeleted: true }))?.deletedAt);
      assert.equal(await apps.findByKeyHash(hashApiKey(apiKey)), undefined);
      assert.ok(!(await apps.list({ name: 'gone' })).items.length);
      assert.equal((await apps.list({ name: 'gone', includeDeleted: true })).total, 1);
      await assert.rejects(apps.softDelete(app.id), isCode('APP_NOT_FOUND'));
      await assert.rejects(apps.update(app.id, { name: 'x' }), isCode('APP_NOT_FOUND'));
      const back = await apps.restore(app.id);
      assert.equal(back.deletedAt, null);
      assert.equal((await apps.findByKeyHash(hashApiKey(apiKey)))?.id, app.id);
      await assert.rejects(apps.restore(424_242), isCode('APP_NOT_FOUND'));
    });

    test('rotateKey replaces the key', async () => {
      const { app, apiKey } = await apps.create({ name: 'rot' });
      const next = await apps.rotateKey(app.id);
      assert.notEqual(next, apiKey);
      assert.equal(await apps.findByKeyHash(hashApiKey(apiKey)), undefined);
      assert.equal((await apps.findByKeyHash(hashApiKey(next)))?.id, app.id);
      assert.equal((await apps.get(app.id))?.apiKeyHint, next.slice(0, 8));
      await assert.rejects(apps.rotateKey(999_999), isCode('APP_NOT_FOUND'));
    });
  });
}
