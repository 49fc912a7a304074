import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminTestApp, adminTestApp } from '../../testkit/admin-app.ts';

for (const dialect of ['sqlite', 'mysql'] as const)
  describe(`admin /apps (${dialect})`, () => {
    let t: AdminTestApp;
    before(async () => {
      t = await adminTestApp(dialect);
    });
    after(() => t.cleanup());

    test('POST: the minimal body answers 201 {id, name, apiKey}, only the hash is stored', async () => {
      const r = await t.call('POST', '/v1/admin/apps', { name: 'shop' });
      assert.equal(r.status, 201);
      assert.equal(typeof r.body.id, 'number');
      assert.equal(r.body.name, 'shop');
      assert.match(r.body.apiKey, /^pk_[A-Za-z0-9_-]{32}$/);
      assert.equal(r.body.apiKeyHint, r.body.apiKey.slice(0, 8));
      assert.equal((await t.repos.apps.findByKey(r.body.apiKey))?.id, r.body.id);
      const read = await t.call('GET', `/v1/admin/apps/${r.body.id}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.apiKey, undefined);
      assert.ok(!read.text.includes(r.body.apiKey));
      assert.ok(!t.logLines.join('').includes(r.body.apiKey));
    });

    test('POST: validation failures are 422 naming the field; non-JSON is 400', async () => {
      const missing = await t.call('POST', '/v1/admin/apps', {});
      assert.equal(missing.status, 422);
      assert.equal(missing.body.error.code, 'VALIDATION_FAILED');
      assert.equal(missing.body.error.details[0].path, 'name');
      const badRate = await t.call('POST', '/v1/admin/apps', { name: 'x', rateLimit: -1 });
      assert.equal(badRate.status, 422);
      assert.equal(badRate.body.error.details[0].path, 'rateLimit');
      const notJson = await t.call('POST', '/v1/admin/apps', undefined, { raw: '{"name":' });
      assert.equal(notJson.status, 400);
      assert.equal(notJson.body.error.code, 'INVALID_JSON');
      assert.equal((await t.call('GET', '/v1/admin/apps?name=x')).body.total, 0);
    });

    test('GET list: paging and name filter; bad query is 422', async () => {
      for (const name of ['list-a', 'list-b', 'list-c']) await t.call('POST', '/v1/admin/apps', { name });
      const all = await t.call('GET', '/v1/admin/apps?name=list-');
      assert.equal(all.status, 200);
      assert.equal(all.body.total, 3);
      assert.deepEqual(
        all.body.items.map((a: { name: string }) => a.name),
        ['list-c', 'list-b', 'list-a'],
      );
      const page = await t.call('GET', '/v1/admin/apps?name=list-&page=2&pageSize=2');
      assert.deepEqual(
        page.body.items.map((a: { name: string }) => a.name),
        ['list-a'],
      );
      assert.equal(page.body.total, 3);
      assert.ok(!JSON.stringify(all.body).includes('apiKey"'));
      const bad = await t.call('GET', '/v1/admin/apps?page=0');
      assert.equal(bad.status, 422);
      assert.match(bad.body.error.message, /query: page/);
      assert.equal((await t.call('GET', '/v1/admin/apps?pageSize=1000')).status, 422);
    });

    test('GET/PATCH/DELETE/restore of one app; 404s', async () => {
      const { body: app } = await t.call('POST', '/v1/admin/apps', { name: 'one' });
      const patched = await t.call('PATCH', `/v1/admin/apps/${app.id}`, { name: 'one-b', rateLimit: 10 });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.name, 'one-b');
      assert.equal(patched.body.rateLimit, 10);
      const bad = await t.call('PATCH', `/v1/admin/apps/${app.id}`, { name: '' });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.details[0].path, 'name');
      const empty = await t.call('PATCH', `/v1/admin/apps/${app.id}`, { nmae: 'typo' });
      assert.equal(empty.status, 422);
      assert.match(empty.body.error.message, /no field to update/);
      assert.equal((await t.call('GET', `/v1/admin/apps/${app.id}`)).body.name, 'one-b');

      assert.equal((await t.call('DELETE', `/v1/admin/apps/${app.id}`)).status, 204);
      const gone = await t.call('GET', `/v1/admin/apps/${app.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'APP_NOT_FOUND');
      assert.equal((await t.call('DELETE', `/v1/admin/apps/${app.id}`)).status, 404);
      assert.equal((await t.call('PATCH', `/v1/admin/apps/${app.id}`, { name: 'x' })).status, 404);
      const withDeleted = await t.call('GET', '/v1/admin/apps?name=one-b&includeDeleted=true');
      assert.equal(withDeleted.body.total, 1);
      const restored = await t.call('POST', `/v1/admin/apps/${app.id}/restore`);
      assert.equal(restored.status, 200);
      assert.equal(restored.body.deletedAt, null);
      assert.equal((await t.call('GET', `/v1/admin/apps/${app.id}`)).status, 200);

      for (const [m, p] of [
        ['GET', '/v1/admin/apps/999999'],
        ['GET', '/v1/admin/apps/abc'],
        ['PATCH', '/v1/admin/apps/999999'],
        ['DELETE', '/v1/admin/apps/999999'],
        ['POST', '/v1/admin/apps/999999/restore'],
        ['POST', '/v1/admin/apps/999999/rotate-key'],
      ] as const) {
        const r = await t.call(m, p, m === 'PATCH' ? { name: 'x' } : undefined);
        assert.equal(r.status, 404, `${m} ${p}`);
        assert.equal(r.body.error.code, 'APP_NOT_FOUND', `${m} ${p}`);
      }
    });

    test('POST /:id/rotate-key returns a new key once; the old one stops working', async () => {
      const { body: app } = await t.call('POST', '/v1/admin/apps', { name: 'rot' });
      const r = await t.call('POST', `/v1/admin/apps/${app.id}/rotate-key`);
      assert.equal(r.status, 200);
      assert.notEqual(r.body.apiKey, app.apiKey);
      assert.equal(await t.repos.apps.findByKey(app.apiKey), undefined);
      assert.equal((await t.repos.apps.findByKey(r.body.apiKey))?.id, app.id);
    });

    test('callbacks: the secret is in the answer that set the URL and in rotate, never in reads or logs', async () => {
      const url = 'https://shop.example.com/status?token=t0ps3cret';
      const r = await t.call('POST', '/v1/admin/apps', {
        name: 'cb',
        callbackUrl: url,
        callbackStates: ['sent'],
      });
      assert.equal(r.status, 201);
      const secret: string = r.body.callbackSecret;
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(r.body.callbackSecretHint, secret.slice(0, 10));
      assert.deepEqual(r.body.callbackStates, ['sent']);
      assert.equal(r.body.callbackUrl, url);
      const id = r.body.id;

      const reads = [
        await t.call('GET', `/v1/admin/apps/${id}`),
        await t.call('GET', '/v1/admin/apps?name=cb'),
        await t.call('PATCH', `/v1/admin/apps/${id}`, { callbackStates: ['sent', 'read'] }),
        await t.call('PATCH', `/v1/admin/apps/${id}`, { callbackUrl: 'https://other.example.com/s' }),
      ];
      for (const read of reads) {
        assert.equal(read.status, 200, read.text);
        assert.ok(!read.text.includes(secret.slice(6)), 'secret in a later answer');
        assert.ok(!read.text.includes('callbackSecret"'), 'callbackSecret field in a later answer');
      }
      assert.equal(reads[0]!.body.callbackSecretHint, secret.slice(0, 10));
      assert.deepEqual(reads[2]!.body.callbackStates, ['sent', 'read']);

      const rotated = await t.call('POST', `/v1/admin/apps/${id}/callback-secret/rotate`);
      assert.equal(rotated.status, 200);
      assert.match(rotated.body.callbackSecret, /^whsec_/);
      assert.notEqual(rotated.body.callbackSecret, secret);
      assert.equal(rotated.body.callbackSecretHint, rotated.body.callbackSecret.slice(0, 10));
      assert.equal((await t.repos.apps.callbackTarget(id))?.callbackSecret, rotated.body.callbackSecret);
      assert.ok(!(await t.call('GET', `/v1/admin/apps/${id}`)).text.includes(rotated.body.callbackSecret));

      const logs = t.logLines.join('');
      for (const s of [secret, rotated.body.callbackSecret, 't0ps3cret', 'shop.example.com']) {
        assert.ok(!logs.includes(s), `log holds ${s.slice(0, 12)}…`);
      }
    });

    test('callbacks: PATCH sets the first URL with the secret once; null turns them off; rotate then 409', async () => {
      const { body: app } = await t.call('POST', '/v1/admin/apps', { name: 'late-cb' });
      assert.equal(app.callbackUrl, null);
      assert.equal(app.callbackSecret, undefined);
      const on = await t.call('PATCH', `/v1/admin/apps/${app.id}`, {
        callbackUrl: 'https://late.example.com/',
      });
      assert.equal(on.status, 200);
      assert.match(on.body.callbackSecret, /^whsec_/);
      assert.deepEqual(on.body.callbackStates, ['sent', 'failed', 'delivered', 'read', 'recalled']);
      const off = await t.call('PATCH', `/v1/admin/apps/${app.id}`, { callbackUrl: null });
      assert.equal(off.status, 200);
      assert.equal(off.body.callbackUrl, null);
      assert.equal(off.body.callbackStates, null);
      assert.equal(await t.repos.apps.callbackTarget(app.id), undefined);
      const refused = await t.call('POST', `/v1/admin/apps/${app.id}/callback-secret/rotate`);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'CALLBACKS_OFF');
      const unknown = await t.call('POST', '/v1/admin/apps/999999/callback-secret/rotate');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'APP_NOT_FOUND');
    });

    test('callbacks: bad input is 422 with the field path, nothing half-written', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ name: 'x', callbackUrl: 'javascript:alert(1)' }, 'callbackUrl'],
        [{ name: 'x', callbackUrl: 'http://10.0.0.7/hook' }, 'callbackUrl'],
        [{ name: 'x', callbackUrl: 42 }, 'callbackUrl'],
        [
          { name: 'x', callbackUrl: 'https://x.example.com/', callbackStates: ['sent', 'nope'] },
          'callbackStates.1',
        ],
        [{ name: 'x', callbackStates: ['sent'] }, 'callbackStates'],
      ];
      for (const [body, path] of cases) {
        const r = await t.call('POST', '/v1/admin/apps', body);
        assert.equal(r.status, 422, JSON.stringify(body));
        assert.equal(r.body.error.details[0].path, path, JSON.stringify(body));
      }
      assert.equal((await t.call('GET', '/v1/admin/apps?name=x')).body.total, 0);

      const { body: app } = await t.call('POST', '/v1/admin/apps', { name: 'keep' });
      const bad = await t.call('PATCH', `/v1/admin/apps/${app.id}`, {
        name: 'changed',
        callbackUrl: 'http://[::1]:8080/',
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.details[0].path, 'callbackUrl');
      const read = await t.call('GET', `/v1/admin/apps/${app.id}`);
      assert.equal(read.body.name, 'keep');
      assert.equal(read.body.callbackUrl, null);
      assert.equal(read.body.updatedAt, app.updatedAt);
    });
  });
