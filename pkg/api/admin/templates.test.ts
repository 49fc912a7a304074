import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminTestApp, adminTestApp } from '../../testkit/admin-app.ts';

describe('admin /templates (mysql)', () => {
  let t: AdminTestApp;
  let sandboxAccount: number;
  let emailAccount: number;
  let owner: number;
  before(async () => {
    t = await adminTestApp('mysql');
    owner = (await t.call('POST', '/v1/admin/apps', { name: 'owner' })).body.id;
    sandboxAccount = (
      await t.call('POST', '/v1/admin/accounts', {
        name: 'sb',
        channel: 'sandbox',
        provider: 'sandbox',
        config: {},
      })
    ).body.id;
    emailAccount = (
      await t.call('POST', '/v1/admin/accounts', {
        name: 'mail',
        channel: 'email',
        provider: 'smtp',
        config: { host: 'h', port: 25, from: 'a@x.com' },
      })
    ).body.id;
  });
  after(() => t.cleanup());

  test('POST: the minimal body from DESIGN.md works', async () => {
    assert.equal(sandboxAccount, 1);
    const r = await t.call('POST', '/v1/admin/templates', {
      name: 'welcome',
      channel: 'sandbox',
      messageType: 'notice',
      accountId: 1,
      appId: owner,
      content: { text: 'Hello {$name}' },
    });
    assert.equal(r.status, 201);
    assert.equal(typeof r.body.id, 'number');
    assert.equal(r.body.name, 'welcome');
    assert.equal(r.body.status, 'active');
    assert.equal(r.body.shield, 'none');
    assert.deepEqual(r.body.content, { text: 'Hello {$name}' });
    assert.deepEqual(t.templateChanges, [r.body.id]);
    const read = await t.call('GET', `/v1/admin/templates/${r.body.id}`);
    assert.deepEqual(read.body, r.body);
  });

  test('POST validation: 422 naming content fields, account, enums, zone, cron', async () => {
    const email = {
      name: 'zz-invalid',
      channel: 'email',
      messageType: 'notice',
      accountId: emailAccount,
      appId: owner,
    };
    const cases: [unknown, string][] = [
      [{ ...email, content: { text: 'no subject' } }, 'content.subject'],
      [{ ...email, content: { subject: 's' } }, 'content.html'],
      [{ ...email, accountId: sandboxAccount, content: { subject: 's', text: 't' } }, 'accountId'],
      [{ ...email, accountId: 424242, content: { subject: 's', text: 't' } }, 'accountId'],
      [{ ...email, messageType: 'news', content: { subject: 's', text: 't' } }, 'messageType'],
      [{ ...email, channel: 'fax', content: {} }, 'channel'],
      [{ ...email, status: 'running', content: { subject: 's', text: 't' } }, 'status'],
      [{ ...email, shield: 'maybe', content: { subject: 's', text: 't' } }, 'shield'],
      [{ ...email, timezone: 'Nowhere/City', content: { subject: 's', text: 't' } }, 'timezone'],
      [{ ...email, cron: 'every day', content: { subject: 's', text: 't' } }, 'cron'],
      [{ ...email }, 'content'],
    ];
    for (const [body, path] of cases) {
      const r = await t.call('POST', '/v1/admin/templates', body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.ok(
        r.body.error.details.some((d: { path: string }) => d.path === path),
        `${path} not named in ${JSON.stringify(r.body.error)}`,
      );
    }
    assert.equal((await t.call('POST', '/v1/admin/templates', undefined, { raw: '<xml/>' })).status, 400);
    assert.equal((await t.call('GET', '/v1/admin/templates?name=zz-invalid')).body.total, 0);
  });

  test('GET list filters by channel, name and status', async () => {
    await t.call('POST', '/v1/admin/templates', {
      name: 'order-mail',
      channel: 'email',
      messageType: 'notice',
      accountId: emailAccount,
      appId: owner,
      content: { subject: 'Order {{id}}', html: '<p>{{id}}</p>' },
    });
    const email = await t.call('GET', '/v1/admin/templates?channel=email');
    assert.equal(email.status, 200);
    assert.deepEqual(
      email.body.items.map((x: { name: string }) => x.name),
      ['order-mail'],
    );
    assert.equal(email.body.total, 1);
    assert.equal((await t.call('GET', '/v1/admin/templates?name=welc')).body.total, 1);
    assert.equal((await t.call('GET', '/v1/admin/templates?status=paused')).body.total, 0);
    assert.equal((await t.call('GET', '/v1/admin/templates?status=off')).status, 422);
    const page = await t.call('GET', '/v1/admin/templates?pageSize=1&page=2');
    assert.equal(page.body.items.length, 1);
    assert.equal(page.body.total, 2);
  });

  test('PATCH: merge, revalidate, bump updatedAt; 422 and 404', async () => {
    const { body: tpl } = await t.call('POST', '/v1/admin/templates', {
      name: 'p',
      channel: 'sandbox',
      messageType: 'marketing',
      accountId: sandboxAccount,
      appId: owner,
      content: { text: 'a' },
    });
    const r = await t.call('PATCH', `/v1/admin/templates/${tpl.id}`, {
      content: { text: 'b {$x}' },
      shield: 'delay',
      timezone: 'Europe/Berlin',
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.content, { text: 'b {$x}' });
    assert.equal(r.body.shield, 'delay');
    assert.equal(r.body.messageType, 'marketing');
    assert.ok(r.body.updatedAt > tpl.updatedAt);
    assert.ok(t.templateChanges.includes(tpl.id));
    // Moving to email needs an email account, and then content its provider (SMTP) takes.
    const bad = await t.call('PATCH', `/v1/admin/templates/${tpl.id}`, { channel: 'email' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.details[0].path, 'accountId');
    const badContent = await t.call('PATCH', `/v1/admin/templates/${tpl.id}`, {
      channel: 'email',
      accountId: emailAccount,
      appId: owner,
    });
    assert.equal(badContent.status, 422);
    assert.equal(badContent.body.error.details[0].path, 'content.subject');
    const badAcc = await t.call('PATCH', `/v1/admin/templates/${tpl.id}`, { accountId: emailAccount });
    assert.equal(badAcc.status, 422);
    assert.equal(badAcc.body.error.details[0].path, 'accountId');
    assert.deepEqual((await t.call('GET', `/v1/admin/templates/${tpl.id}`)).body, r.body);
    const missing = await t.call('PATCH', '/v1/admin/templates/999999', { name: 'x' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'TEMPLATE_NOT_FOUND');
    assert.equal((await t.call('GET', '/v1/admin/templates/999999')).status, 404);
  });

  test('POST /:id/pause and /:id/start set the status', async () => {
    const { body: tpl } = await t.call('POST', '/v1/admin/templates', {
      name: 'cron',
      channel: 'sandbox',
      messageType: 'marketing',
      accountId: sandboxAccount,
      appId: owner,
      content: { text: 'x' },
      cron: '0 9 * * *',
      timezone: 'Asia/Shanghai',
    });
    const paused = await t.call('POST', `/v1/admin/templates/${tpl.id}/pause`);
    assert.equal(paused.status, 200);
    assert.equal(paused.body.status, 'paused');
    assert.equal((await t.call('GET', '/v1/admin/templates?status=paused')).body.total, 1);
    const started = await t.call('POST', `/v1/admin/templates/${tpl.id}/start`);
    assert.equal(started.body.status, 'active');
    assert.ok(started.body.updatedAt > paused.body.updatedAt);
    assert.equal((await t.call('POST', '/v1/admin/templates/999999/start')).status, 404);
    assert.equal((await t.call('POST', '/v1/admin/templates/999999/pause')).status, 404);
  });

  test('DELETE (204, soft) and restore', async () => {
    const { body: tpl } = await t.call('POST', '/v1/admin/templates', {
      name: 'del',
      channel: 'sandbox',
      messageType: 'auth',
      accountId: sandboxAccount,
      appId: owner,
      content: { text: 'code {$code}' },
    });
    assert.equal((await t.call('DELETE', `/v1/admin/templates/${tpl.id}`)).status, 204);
    assert.equal((await t.call('GET', `/v1/admin/templates/${tpl.id}`)).status, 404);
    assert.equal(await t.repos.templates.getActive(tpl.id), undefined);
    assert.equal((await t.call('DELETE', `/v1/admin/templates/${tpl.id}`)).status, 404);
    assert.equal((await t.call('POST', `/v1/admin/templates/${tpl.id}/start`)).status, 404);
    const back = await t.call('POST', `/v1/admin/templates/${tpl.id}/restore`);
    assert.equal(back.status, 200);
    assert.equal(back.body.deletedAt, null);
    assert.ok(await t.repos.templates.getActive(tpl.id));
    assert.equal((await t.call('POST', '/v1/admin/templates/999999/restore')).status, 404);
    assert.equal((await t.call('DELETE', '/v1/admin/templates/999999')).status, 404);
  });

  test('preview renders with sample variables as a send would; draft preview for the editor', async () => {
    const { body: tpl } = await t.call('POST', '/v1/admin/templates', {
      name: 'preview',
      channel: 'email',
      messageType: 'notice',
      accountId: emailAccount,
      appId: owner,
      content: { subject: 'Hi {$name}', html: '<p>{$name}</p>' },
    });
    const ok = await t.call('POST', `/v1/admin/templates/${tpl.id}/preview`, {
      variables: { name: '<Ann>' },
    });
    assert.equal(ok.status, 200);
    // The html part escapes the variable, as the handler renders it.
    assert.deepEqual(ok.body, {
      content: { subject: 'Hi <Ann>', html: '<p>&lt;Ann&gt;</p>' },
      placeholders: ['name'],
    });
    const gap = await t.call('POST', `/v1/admin/templates/${tpl.id}/preview`, { variables: {} });
    assert.equal(gap.status, 422);
    assert.equal(gap.body.error.code, 'MISSING_VARIABLES');
    assert.equal((await t.call('POST', '/v1/admin/templates/999999/preview', { variables: {} })).status, 404);
    assert.equal((await t.call('POST', `/v1/admin/templates/${tpl.id}/preview`, { vars: {} })).status, 422);
    const draft = await t.call('POST', '/v1/admin/templates/preview', {
      channel: 'sandbox',
      content: { text: 'Code {$code}' },
      variables: { code: '1234' },
    });
    assert.deepEqual(draft.body, { content: { text: 'Code 1234' }, placeholders: ['code'] });
    assert.equal(
      (await t.call('POST', '/v1/admin/templates/preview', { channel: 'fax', content: {}, variables: {} }))
        .status,
      422,
    );
  });

  test('templates filter by message type and owning app; version moves on each edit', async () => {
    const other = (await t.call('POST', '/v1/admin/apps', { name: 'other' })).body.id;
    const { body: tpl } = await t.call('POST', '/v1/admin/templates', {
      name: 'mine',
      channel: 'sandbox',
      messageType: 'marketing',
      accountId: sandboxAccount,
      appId: other,
      content: { text: 'x' },
    });
    assert.equal(tpl.version, 1);
    const list = await t.call('GET', `/v1/admin/templates?appId=${other}&messageType=marketing`);
    assert.deepEqual(
      list.body.items.map((x: { id: number }) => x.id),
      [tpl.id],
    );
    const edited = await t.call('PATCH', `/v1/admin/templates/${tpl.id}`, { sharedWithApps: [owner] });
    assert.deepEqual([edited.body.version, edited.body.sharedWithApps], [2, [owner]]);
    const bad = await t.call('PATCH', `/v1/admin/templates/${tpl.id}`, { sharedWithApps: [424242] });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.details[0].path, 'sharedWithApps.0');
  });
});
