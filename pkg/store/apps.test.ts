import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { apiKeyHasher, legacyApiKeyHash } from '../domain/api-key.ts';
import { AppError } from '../domain/errors.ts';
import { testDb } from '../testkit/testkit.ts';
import { createAppsRepo } from './apps.ts';

const isCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;
/** A 422 whose first detail names `path`. */
const invalidAt = (path: string) => (e: unknown) =>
  e instanceof AppError &&
  e.status === 422 &&
  (e.details as { path: string }[] | undefined)?.[0]?.path === path;
const WHSEC = /^whsec_[A-Za-z0-9+/]{43}=$/;

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`apps repo (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    let apps: ReturnType<typeof createAppsRepo>;
    const secretKey = randomBytes(32);
    before(async () => {
      t = await testDb(dialect);
      apps = createAppsRepo(t.db, { secretKey });
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
      // Keyed (HMAC under the server secret), not the bare sha256 a leaked table could be tested against.
      assert.equal(row.api_key_hash, apiKeyHasher(secretKey)(apiKey).keyed);
      assert.notEqual(row.api_key_hash, legacyApiKeyHash(apiKey));
      assert.match(row.api_key_hash, /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(row).includes(apiKey));
      assert.deepEqual(await apps.findByKey(apiKey), {
        id: app.id,
        name: 'shop',
        rateLimit: null,
      });
      assert.equal(await apps.findByKey('pk_other'), undefined);
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
      const { app: u, callbackSecret } = await apps.update(app.id, { name: 'upd2', rateLimit: 50 });
      assert.equal(callbackSecret, undefined);
      assert.equal(u.name, 'upd2');
      assert.equal(u.rateLimit, 50);
      assert.ok(u.updatedAt > app.updatedAt);
      assert.deepEqual(await apps.get(app.id), u);
      assert.equal((await apps.update(app.id, { rateLimit: null })).app.rateLimit, null);
      assert.equal(await apps.get(999_999), undefined);
      await assert.rejects(apps.update(999_999, { name: 'x' }), isCode('APP_NOT_FOUND'));
    });

    test('soft delete hides the app and its key; restore brings both back', async () => {
      const { app, apiKey } = await apps.create({ name: 'gone' });
      await apps.softDelete(app.id);
      assert.equal(await apps.get(app.id), undefined);
      assert.ok((await apps.get(app.id, { includeDeleted: true }))?.deletedAt);
      assert.equal(await apps.findByKey(apiKey), undefined);
      assert.ok(!(await apps.list({ name: 'gone' })).items.length);
      assert.equal((await apps.list({ name: 'gone', includeDeleted: true })).total, 1);
      await assert.rejects(apps.softDelete(app.id), isCode('APP_NOT_FOUND'));
      await assert.rejects(apps.update(app.id, { name: 'x' }), isCode('APP_NOT_FOUND'));
      const back = await apps.restore(app.id);
      assert.equal(back.deletedAt, null);
      assert.equal((await apps.findByKey(apiKey))?.id, app.id);
      await assert.rejects(apps.restore(424_242), isCode('APP_NOT_FOUND'));
    });

    test('rotateKey replaces the key', async () => {
      const { app, apiKey } = await apps.create({ name: 'rot' });
      const next = await apps.rotateKey(app.id);
      assert.notEqual(next, apiKey);
      assert.equal(await apps.findByKey(apiKey), undefined);
      assert.equal((await apps.findByKey(next))?.id, app.id);
      assert.equal((await apps.get(app.id))?.apiKeyHint, next.slice(0, 8));
      await assert.rejects(apps.rotateKey(999_999), isCode('APP_NOT_FOUND'));
    });

    const rowOf = (id: number) =>
      t.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    test('create with a callback URL: default states, the secret once, stored sealed', async () => {
      const { app, callbackSecret } = await apps.create({
        name: 'cb',
        callbackUrl: 'https://shop.example.com/push-status?token=abc',
      });
      assert.match(callbackSecret ?? '', WHSEC);
      assert.equal(app.callbackUrl, 'https://shop.example.com/push-status?token=abc');
      assert.deepEqual(app.callbackStates, ['sent', 'failed', 'delivered', 'read', 'recalled']);
      assert.equal(app.callbackSecretHint, callbackSecret!.slice(0, 10));
      const row = await rowOf(app.id);
      assert.ok(!JSON.stringify(row).includes(callbackSecret!.slice(6)), 'secret stored in clear');
      assert.ok(!JSON.stringify(await apps.get(app.id)).includes(callbackSecret!.slice(6)));
      assert.ok(!JSON.stringify(await apps.list({ name: 'cb' })).includes(callbackSecret!.slice(6)));
      assert.deepEqual(await apps.callbackTarget(app.id), {
        callbackUrl: app.callbackUrl,
        callbackStates: app.callbackStates,
        callbackSecret,
      });
      const plain = await apps.create({ name: 'no-cb' });
      assert.equal(plain.callbackSecret, undefined);
      assert.equal(plain.app.callbackUrl, null);
      assert.equal(plain.app.callbackStates, null);
      assert.equal(await apps.callbackTarget(plain.app.id), undefined);
    });

    test('bad callback input is a 422 naming the field, and nothing is written', async () => {
      const before = (await apps.list({ includeDeleted: true })).total;
      const cases: [Record<string, unknown>, string][] = [
        [{ callbackUrl: 'ftp://x.example.com/' }, 'callbackUrl'],
        [{ callbackUrl: 'not a url' }, 'callbackUrl'],
        [{ callbackUrl: 'https://user:pw@x.example.com/' }, 'callbackUrl'],
        [{ callbackUrl: `https://x.example.com/${'a'.repeat(2048)}` }, 'callbackUrl'],
        [{ callbackUrl: 'http://127.0.0.1:9000/hook' }, 'callbackUrl'],
        [{ callbackUrl: 'http://169.254.169.254/latest' }, 'callbackUrl'],
        [{ callbackUrl: 'https://x.example.com/', callbackStates: ['sent', 'bogus'] }, 'callbackStates.1'],
        [{ callbackUrl: 'https://x.example.com/', callbackStates: [] }, 'callbackStates'],
        [{ callbackStates: ['sent'] }, 'callbackStates'],
      ];
      for (const [body, path] of cases) {
        await assert.rejects(apps.create({ name: 'bad', ...body }), invalidAt(path), JSON.stringify(body));
      }
      assert.equal((await apps.list({ includeDeleted: true })).total, before);
    });

    test('patch: first URL answers the secret, later changes keep it; null turns callbacks off', async () => {
      const { app } = await apps.create({ name: 'patch-cb' });
      const first = await apps.update(app.id, { callbackUrl: 'https://a.example.com/cb' });
      assert.match(first.callbackSecret ?? '', WHSEC);
      const secret = first.callbackSecret!;
      const moved = await apps.update(app.id, {
        callbackUrl: 'https://b.example.com/cb',
        callbackStates: ['failed', 'dead_lettered', 'failed'],
      });
      assert.equal(moved.callbackSecret, undefined);
      assert.equal(moved.app.callbackUrl, 'https://b.example.com/cb');
      assert.deepEqual(moved.app.callbackStates, ['failed', 'dead_lettered']);
      assert.equal(moved.app.callbackSecretHint, secret.slice(0, 10));
      const renamed = await apps.update(app.id, { name: 'patch-cb2' });
      assert.deepEqual(renamed.app.callbackStates, ['failed', 'dead_lettered']);
      assert.equal((await apps.callbackTarget(app.id))?.callbackSecret, secret);

      // A bad patch changes nothing, not even the fields that were valid.
      const stamp = (await rowOf(app.id)).updated_at;
      await assert.rejects(
        apps.update(app.id, { name: 'renamed', callbackUrl: 'gopher://x' }),
        invalidAt('callbackUrl'),
      );
      assert.equal((await rowOf(app.id)).updated_at, stamp);
      assert.equal((await apps.get(app.id))?.name, 'patch-cb2');

      const off = await apps.update(app.id, { callbackUrl: null });
      assert.equal(off.app.callbackUrl, null);
      assert.equal(off.app.callbackStates, null);
      assert.equal(off.app.callbackSecretHint, null);
      const row = await rowOf(app.id);
      assert.equal(row.callback_secret_sealed, null);
      assert.equal(row.callback_states, null);
      assert.equal(await apps.callbackTarget(app.id), undefined);
      await assert.rejects(apps.update(app.id, { callbackStates: ['sent'] }), invalidAt('callbackStates'));

      const again = await apps.update(app.id, { callbackUrl: 'https://c.example.com/cb' });
      assert.match(again.callbackSecret ?? '', WHSEC);
      assert.notEqual(again.callbackSecret, secret);
      assert.deepEqual(again.app.callbackStates, ['sent', 'failed', 'delivered', 'read', 'recalled']);
    });

    test('rotateCallbackSecret replaces the secret; refused while callbacks are off', async () => {
      const { app, callbackSecret } = await apps.create({
        name: 'rot-cb',
        callbackUrl: 'https://r.example.com/',
      });
      const next = await apps.rotateCallbackSecret(app.id);
      assert.match(next, WHSEC);
      assert.notEqual(next, callbackSecret);
      assert.equal((await apps.callbackTarget(app.id))?.callbackSecret, next);
      assert.equal((await apps.get(app.id))?.callbackSecretHint, next.slice(0, 10));
      const { app: plain } = await apps.create({ name: 'rot-none' });
      await assert.rejects(apps.rotateCallbackSecret(plain.id), isCode('CALLBACKS_OFF'));
      await assert.rejects(apps.rotateCallbackSecret(999_999), isCode('APP_NOT_FOUND'));
    });

    test('a deleted app has no callback target; restored, it has its old one again', async () => {
      const { app, callbackSecret } = await apps.create({
        name: 'del-cb',
        callbackUrl: 'https://d.example.com/',
      });
      await apps.softDelete(app.id);
      assert.equal(await apps.callbackTarget(app.id), undefined);
      await apps.restore(app.id);
      assert.equal((await apps.callbackTarget(app.id))?.callbackSecret, callbackSecret);
    });

    test('private callback addresses only where the platform allows them; no key, no secret', async () => {
      const local = createAppsRepo(t.db, { secretKey, allowPrivateCallbacks: true });
      const { app } = await local.create({ name: 'local-cb', callbackUrl: 'http://127.0.0.1:9000/hook' });
      assert.equal(app.callbackUrl, 'http://127.0.0.1:9000/hook');
      const before = (await apps.list({ includeDeleted: true })).total;
      const keyless = createAppsRepo(t.db);
      await assert.rejects(
        keyless.create({ name: 'keyless', callbackUrl: 'https://k.example.com/' }),
        /secretKey/,
      );
      assert.equal((await apps.list({ includeDeleted: true })).total, before);
      await assert.rejects(keyless.callbackTarget(app.id), /secretKey/);
    });

    test('a legacy sha256 row authenticates once and is then stored keyed', async () => {
      const { app, apiKey } = await apps.create({ name: 'legacy' });
      // As a database from before keyed hashing holds it.
      await t.db
        .updateTable('apps')
        .set({ api_key_hash: legacyApiKeyHash(apiKey) })
        .where('id', '=', app.id)
        .execute();
      const stored = async () =>
        (
          await t.db
            .selectFrom('apps')
            .select('api_key_hash')
            .where('id', '=', app.id)
            .executeTakeFirstOrThrow()
        ).api_key_hash;
      assert.equal((await apps.findByKey(apiKey))?.id, app.id);
      assert.equal(await stored(), apiKeyHasher(secretKey)(apiKey).keyed);
      assert.equal((await apps.findByKey(apiKey))?.id, app.id);
    });

    test('another SECRET_KEY does not match the stored hash', async () => {
      const { app, apiKey } = await apps.create({ name: 'other-secret' });
      const elsewhere = createAppsRepo(t.db, { secretKey: randomBytes(32) });
      assert.equal(await elsewhere.findByKey(apiKey), undefined);
      assert.equal((await apps.findByKey(apiKey))?.id, app.id);
    });
  });
}
