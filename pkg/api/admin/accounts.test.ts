import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sandboxConfig } from '../../channels/providers/sandbox/definition.ts';
import { type AdminTestApp, adminTestApp } from '../../testkit/admin-app.ts';

const SECRET = 'Zx9-smtp-password-42';
const smtp = {
  host: 'smtp.example.com',
  port: 587,
  secure: false,
  user: 'mailer',
  pass: SECRET,
  from: 'a@x.com',
};

describe('admin /accounts (mysql)', () => {
  let t: AdminTestApp;
  before(async () => {
    t = await adminTestApp('mysql');
  });
  after(() => t.cleanup());

  /** No answer and no log line may ever contain the secret. */
  const assertNoSecretAnywhere = (answers: string[]) => {
    for (const a of answers) assert.ok(!a.includes(SECRET), `secret in answer: ${a}`);
    assert.ok(t.logLines.length > 0);
    assert.ok(!t.logLines.join('\n').includes(SECRET), 'secret in logs');
  };

  test('POST: the minimal sandbox body works', async () => {
    const r = await t.call('POST', '/v1/admin/accounts', {
      name: 'sb',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    assert.equal(r.status, 201);
    assert.equal(typeof r.body.id, 'number');
    assert.match(r.body.callbackToken, /^[0-9a-f]{32}$/, 'a per-account callback token');
    // The config answers as the provider reads it: an empty sandbox config means all defaults.
    assert.deepEqual(sandboxConfig.parse(r.body.config), sandboxConfig.parse({}));
    assert.deepEqual(
      { ...r.body, id: 0, createdAt: 0, updatedAt: 0, callbackToken: '', config: {} },
      {
        id: 0,
        name: 'sb',
        channel: 'sandbox',
        provider: 'sandbox',
        callbackToken: '',
        config: {},
        rateLimit: null,
        rateBurst: null,
        createdAt: 0,
        updatedAt: 0,
        deletedAt: null,
      },
    );
    assert.deepEqual(t.accountChanges, [r.body.id]);
  });

  test('email account: secrets are masked in every answer and never logged', async () => {
    const created = await t.call('POST', '/v1/admin/accounts', {
      name: 'mail',
      channel: 'email',
      provider: 'smtp',
      config: smtp,
      rateLimit: 10,
      rateBurst: 20,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.config.pass, '***');
    assert.equal(created.body.config.user, 'mailer', 'only the schema-marked secret is masked');
    assert.equal(created.body.config.host, 'smtp.example.com');
    const id = created.body.id;
    const read = await t.call('GET', `/v1/admin/accounts/${id}`);
    const list = await t.call('GET', '/v1/admin/accounts?channel=email');
    assert.equal(list.body.total, 1);
    // PATCH with the masked value sent back unchanged keeps the secret.
    const patched = await t.call('PATCH', `/v1/admin/accounts/${id}`, {
      config: { ...read.body.config, port: 2525 },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.config.port, 2525);
    assert.equal((await t.repos.accounts.getWithSecrets(id))?.config.pass, SECRET);
    // A validation failure on a config holding the secret does not echo it.
    const bad = await t.call('PATCH', `/v1/admin/accounts/${id}`, {
      config: { pass: `${SECRET}!`, port: 'x' },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.details[0].path, 'config.port');
    const badCreate = await t.call('POST', '/v1/admin/accounts', {
      name: 'm',
      channel: 'email',
      provider: 'smtp',
      config: { ...smtp, host: '' },
    });
    assert.equal(badCreate.status, 422);
    assertNoSecretAnywhere([created.text, read.text, list.text, patched.text, bad.text, badCreate.text]);
  });

  test('POST validation: channel, provider, config fields are named; non-JSON is 400', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'x', channel: 'fax', provider: 'p', config: {} }, 'channel'],
      [{ channel: 'sandbox', provider: 'sandbox', config: {} }, 'name'],
      [{ name: 'x', channel: 'sandbox', provider: 'other', config: {} }, 'provider'],
      // Providers not in the list are refused, for every channel.
      [
        { name: 'x', channel: 'sms', provider: 'nope', config: { secretId: 'a', secretKey: 'b' } },
        'provider',
      ],
      // An SMS account without its secret names the field.
      [
        { name: 'x', channel: 'sms', provider: 'aliyun', config: { accessKeyId: 'a', signName: 's' } },
        'config.accessKeySecret',
      ],
      [{ name: 'x', channel: 'sms', provider: 'yunpian', config: {} }, 'config.apiKey'],
      [{ name: 'x', channel: 'email', provider: 'sendgrid', config: {} }, 'provider'],
      [{ name: 'x', channel: 'sandbox', provider: 'sandbox', config: { failRate: 2 } }, 'config.failRate'],
      [{ name: 'x', channel: 'email', provider: 'smtp', config: { host: 'h', port: 25 } }, 'config.from'],
      [{ name: 'x', channel: 'sandbox', provider: 'sandbox', config: [] }, 'config'],
      [{ name: 'x', channel: 'sandbox', provider: 'sandbox', rateLimit: 1.5 }, 'rateLimit'],
    ];
    for (const [body, path] of cases) {
      const r = await t.call('POST', '/v1/admin/accounts', body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.ok(
        r.body.error.details.some((d: { path: string }) => d.path === path),
        `${path} not named in ${JSON.stringify(r.body)}`,
      );
    }
    assert.equal((await t.call('POST', '/v1/admin/accounts', undefined, { raw: 'name=x' })).status, 400);
    assert.equal((await t.call('GET', '/v1/admin/accounts?name=x')).body.total, 0);
    assert.equal((await t.call('GET', '/v1/admin/accounts?channel=fax')).status, 422);
  });

  test('PATCH validation and 404; channel cannot change', async () => {
    const { body: a } = await t.call('POST', '/v1/admin/accounts', {
      name: 'p',
      channel: 'sandbox',
      provider: 'sandbox',
    });
    const renamed = await t.call('PATCH', `/v1/admin/accounts/${a.id}`, { name: 'p2', rateLimit: 3 });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'p2');
    assert.equal(renamed.body.rateLimit, 3);
    const ch = await t.call('PATCH', `/v1/admin/accounts/${a.id}`, { channel: 'email' });
    assert.equal(ch.status, 422);
    assert.equal(ch.body.error.details[0].path, 'channel');
    assert.equal((await t.call('PATCH', `/v1/admin/accounts/${a.id}`, { rateBurst: 0 })).status, 422);
    const missing = await t.call('PATCH', '/v1/admin/accounts/999999', { name: 'x' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'ACCOUNT_NOT_FOUND');
    assert.equal((await t.call('GET', '/v1/admin/accounts/999999')).status, 404);
    assert.equal((await t.call('GET', '/v1/admin/accounts/0')).status, 404);
  });

  test('DELETE is soft (204), refused while templates use it (409), restorable', async () => {
    const { body: a } = await t.call('POST', '/v1/admin/accounts', {
      name: 'd',
      channel: 'sandbox',
      provider: 'sandbox',
    });
    const { body: tpl } = await t.call('POST', '/v1/admin/templates', {
      name: 'uses-d',
      channel: 'sandbox',
      messageType: 'notice',
      accountId: a.id,
      appId: (await t.call('POST', '/v1/admin/apps', { name: 'owner' })).body.id,
      content: { text: 'x' },
    });
    const busy = await t.call('DELETE', `/v1/admin/accounts/${a.id}`);
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error.code, 'ACCOUNT_IN_USE');
    assert.deepEqual(busy.body.error.details.templateIds, [tpl.id]);
    assert.equal((await t.call('DELETE', `/v1/admin/templates/${tpl.id}`)).status, 204);
    assert.equal((await t.call('DELETE', `/v1/admin/accounts/${a.id}`)).status, 204);
    assert.equal((await t.call('GET', `/v1/admin/accounts/${a.id}`)).status, 404);
    assert.equal((await t.call('DELETE', `/v1/admin/accounts/${a.id}`)).status, 404);
    const back = await t.call('POST', `/v1/admin/accounts/${a.id}/restore`);
    assert.equal(back.status, 200);
    assert.equal(back.body.deletedAt, null);
    assert.equal((await t.call('POST', '/v1/admin/accounts/999999/restore')).status, 404);
    assert.equal((await t.call('DELETE', '/v1/admin/accounts/999999')).status, 404);
  });
});
