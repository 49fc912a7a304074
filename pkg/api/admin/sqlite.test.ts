import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminTestApp, adminTestApp } from '../../testkit/admin-app.ts';

/** One pass over every admin resource on the embedded SQLite database (the quickstart default). */
describe('admin API (sqlite)', () => {
  let t: AdminTestApp;
  before(async () => {
    t = await adminTestApp('sqlite');
  });
  after(() => t.cleanup());

  test('apps: create, list, read, update, delete, restore, 401, 404, 422', async () => {
    const c = await t.call('POST', '/v1/admin/apps', { name: 'shop' });
    assert.equal(c.status, 201);
    assert.deepEqual(Object.keys(c.body).sort(), [
      'apiKey',
      'apiKeyHint',
      'callbackSecretHint',
      'callbackStates',
      'callbackUrl',
      'createdAt',
      'deletedAt',
      'id',
      'name',
      'rateLimit',
      'updatedAt',
    ]);
    // No callback URL given: status callbacks are off.
    assert.equal(c.body.callbackUrl, null);
    assert.equal(c.body.callbackSecretHint, null);
    assert.equal((await t.call('GET', '/v1/admin/apps?name=sho')).body.total, 1);
    assert.equal((await t.call('PATCH', `/v1/admin/apps/${c.body.id}`, { rateLimit: 5 })).body.rateLimit, 5);
    assert.equal((await t.call('PATCH', `/v1/admin/apps/${c.body.id}`, { rateLimit: 'x' })).status, 422);
    assert.equal((await t.call('DELETE', `/v1/admin/apps/${c.body.id}`)).status, 204);
    assert.equal((await t.call('GET', `/v1/admin/apps/${c.body.id}`)).status, 404);
    assert.equal((await t.call('POST', `/v1/admin/apps/${c.body.id}/restore`)).status, 200);
    assert.equal((await t.call('GET', '/v1/admin/apps', undefined, { token: null })).status, 401);
  });

  test('accounts: secrets masked, merged on update, 404, 422', async () => {
    const c = await t.call('POST', '/v1/admin/accounts', {
      name: 'mail',
      channel: 'email',
      provider: 'smtp',
      config: { host: 'h', port: 25, user: 'u', pass: 'sqlite-secret-99', from: 'a@x.com' },
    });
    assert.equal(c.status, 201);
    assert.equal(c.body.config.pass, '***');
    const u = await t.call('PATCH', `/v1/admin/accounts/${c.body.id}`, { config: c.body.config });
    assert.equal(u.status, 200);
    assert.equal((await t.repos.accounts.getWithSecrets(c.body.id))?.config.pass, 'sqlite-secret-99');
    const list = await t.call('GET', '/v1/admin/accounts?channel=email');
    assert.equal(list.body.total, 1);
    assert.ok(![c.text, u.text, list.text, ...t.logLines].some((s) => s.includes('sqlite-secret-99')));
    assert.equal((await t.call('GET', '/v1/admin/accounts/77')).status, 404);
    assert.equal(
      (await t.call('POST', '/v1/admin/accounts', { name: 'x', channel: 'email', provider: 'x' })).status,
      422,
    );
    const sms = await t.call('POST', '/v1/admin/accounts', {
      name: 'x',
      channel: 'sms',
      provider: 'nope',
      config: { secretId: 'a', secretKey: 'b' },
    });
    assert.equal(sms.status, 422, 'a provider the channel does not list takes no account');
    assert.equal(sms.body.error.details[0].path, 'provider');
    const sb = await t.call('POST', '/v1/admin/accounts', {
      name: 'sb',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    assert.equal(sb.status, 201);
  });

  test('templates: minimal body, pause/start, crowd, delete/restore', async () => {
    const sb = (await t.call('GET', '/v1/admin/accounts?channel=sandbox')).body.items[0];
    const owner = (await t.call('POST', '/v1/admin/apps', { name: 'owner' })).body.id;
    const c = await t.call('POST', '/v1/admin/templates', {
      appId: owner,
      name: 'welcome',
      channel: 'sandbox',
      messageType: 'notice',
      accountId: sb.id,
      content: { text: 'Hello {$name}' },
    });
    assert.equal(c.status, 201);
    assert.equal((await t.call('POST', `/v1/admin/templates/${c.body.id}/pause`)).body.status, 'paused');
    assert.equal((await t.call('POST', `/v1/admin/templates/${c.body.id}/start`)).body.status, 'active');
    const crowd = await t.call('POST', `/v1/admin/templates/${c.body.id}/crowd`, undefined, {
      raw: 'receiver,name\nu1,Ann\nu2,Bob\n',
      contentType: 'text/csv',
    });
    assert.equal(crowd.status, 201);
    assert.equal(crowd.body.rows, 2);
    assert.equal((await t.call('PATCH', `/v1/admin/templates/${c.body.id}`, { content: {} })).status, 422);
    assert.equal((await t.call('DELETE', `/v1/admin/templates/${c.body.id}`)).status, 204);
    assert.equal((await t.call('GET', `/v1/admin/templates/${c.body.id}`)).status, 404);
    assert.equal((await t.call('POST', `/v1/admin/templates/${c.body.id}/restore`)).status, 200);
    assert.ok(t.templateChanges.length >= 5);
  });
});
