import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminTestApp, adminTestApp } from '../../testkit/admin-app.ts';

/** Every admin route: none may answer anything but 401 without the admin token. */
const ROUTES: [string, string][] = [
  ['POST', '/v1/admin/apps'],
  ['GET', '/v1/admin/apps'],
  ['GET', '/v1/admin/apps/1'],
  ['PATCH', '/v1/admin/apps/1'],
  ['DELETE', '/v1/admin/apps/1'],
  ['POST', '/v1/admin/apps/1/restore'],
  ['POST', '/v1/admin/apps/1/rotate-key'],
  ['POST', '/v1/admin/accounts'],
  ['GET', '/v1/admin/accounts'],
  ['GET', '/v1/admin/accounts/1'],
  ['PATCH', '/v1/admin/accounts/1'],
  ['DELETE', '/v1/admin/accounts/1'],
  ['POST', '/v1/admin/accounts/1/restore'],
  ['POST', '/v1/admin/templates'],
  ['GET', '/v1/admin/templates'],
  ['GET', '/v1/admin/templates/1'],
  ['PATCH', '/v1/admin/templates/1'],
  ['DELETE', '/v1/admin/templates/1'],
  ['POST', '/v1/admin/templates/1/restore'],
  ['POST', '/v1/admin/templates/1/start'],
  ['POST', '/v1/admin/templates/1/pause'],
  ['POST', '/v1/admin/templates/1/crowd'],
  ['GET', '/v1/admin/templates/1/crowd'],
  ['DELETE', '/v1/admin/templates/1/crowd/1'],
];

describe('admin auth (mysql)', () => {
  let t: AdminTestApp;
  before(async () => {
    t = await adminTestApp('mysql');
    // Real objects behind id 1, so a missing auth check would show as 2xx, not 404.
    await t.call('POST', '/v1/admin/apps', { name: 'a' });
    await t.call('POST', '/v1/admin/accounts', {
      name: 'sb',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    await t.call('POST', '/v1/admin/templates', {
      name: 'welcome',
      channel: 'sandbox',
      messageType: 'notice',
      accountId: 1,
      appId: 1,
      content: { text: 'Hello {$name}' },
    });
  });
  after(() => t.cleanup());

  test('missing, malformed and wrong tokens are 401 on every route, and change nothing', async () => {
    for (const [method, path] of ROUTES) {
      for (const token of [null, 'wrong-token', '']) {
        const r = await t.call(
          method,
          path,
          method === 'GET' || method === 'DELETE' ? undefined : { name: 'x' },
          {
            token,
          },
        );
        assert.equal(r.status, 401, `${method} ${path} token=${token}`);
        assert.equal(r.body.error.code, 'UNAUTHORIZED');
      }
    }
    assert.equal((await t.repos.apps.list()).total, 1);
    assert.equal((await t.repos.apps.get(1))?.name, 'a');
    assert.equal((await t.repos.templates.get(1))?.status, 'active');
  });

  test('an app key is not an admin token', async () => {
    const { body } = await t.call('POST', '/v1/admin/apps', { name: 'b' });
    const r = await t.call('GET', '/v1/admin/apps', undefined, { token: body.apiKey });
    assert.equal(r.status, 401);
  });

  test('unknown admin paths are 404 in the error shape', async () => {
    const r = await t.call('GET', '/v1/admin/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'NOT_FOUND');
  });
});
