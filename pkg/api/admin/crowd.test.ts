import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminTestApp, adminTestApp } from '../../testkit/admin-app.ts';

describe('admin /templates/:id/crowd (mysql)', () => {
  let t: AdminTestApp;
  let tplId: number;
  before(async () => {
    t = await adminTestApp('mysql');
    const acc = await t.call('POST', '/v1/admin/accounts', {
      name: 'mail',
      channel: 'email',
      provider: 'smtp',
      config: { host: 'h', port: 25, from: 'a@x.com' },
    });
    tplId = (
      await t.call('POST', '/v1/admin/templates', {
        name: 'promo',
        channel: 'email',
        messageType: 'marketing',
        accountId: acc.body.id,
        content: { subject: 'Hi {$name}', text: 'Code {$code}' },
      })
    ).body.id;
  });
  after(() => t.cleanup());

  const csv = (text: string, query = '') =>
    t.call('POST', `/v1/admin/templates/${tplId}/crowd${query}`, undefined, {
      raw: text,
      contentType: 'text/csv',
    });

  test('text/csv upload: 201 with the row count; rows are stored normalised', async () => {
    const r = await csv('receiver,name,code\nAnn@X.com,Ann,1\nbob@x.com,Bob,2\n', '?filename=vip.csv');
    assert.equal(r.status, 201);
    assert.equal(r.body.rows, 2);
    assert.equal(r.body.filename, 'vip.csv');
    assert.equal(r.body.errors, undefined);
    const stored = await t.repos.crowds.get(r.body.id);
    assert.deepEqual(stored?.rows, [
      { receiver: 'ann@x.com', variables: { name: 'Ann', code: '1' } },
      { receiver: 'bob@x.com', variables: { name: 'Bob', code: '2' } },
    ]);
  });

  test('JSON {filename, csv} upload', async () => {
    const r = await t.call('POST', `/v1/admin/templates/${tplId}/crowd`, {
      filename: 'j.csv',
      csv: 'receiver\nc@x.com\n',
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.rows, 1);
    assert.equal(r.body.filename, 'j.csv');
    const bad = await t.call('POST', `/v1/admin/templates/${tplId}/crowd`, { filename: 'j.csv' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.details[0].path, 'csv');
  });

  test('bad lines reject the file with 422 and line errors; nothing is stored', async () => {
    const before = (await t.repos.crowds.listByTemplate(tplId)).length;
    const r = await csv('receiver,name\nok@x.com,A\nnot-an-email,B\nc@x.com\n');
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'CROWD_INVALID');
    assert.deepEqual(
      r.body.error.details.errors.map((e: { line: number }) => e.line),
      [3, 4],
    );
    assert.equal(r.body.error.details.errorCount, 2);
    assert.match(r.body.error.message, /line 3/);
    const noHeader = await csv('email\nok@x.com\n');
    assert.equal(noHeader.status, 422);
    assert.match(noHeader.body.error.details.errors[0].message, /receiver/);
    assert.equal((await csv('')).status, 422);
    assert.equal((await t.repos.crowds.listByTemplate(tplId)).length, before);
  });

  test('?skipInvalid=true stores the good rows and lists the bad ones', async () => {
    const r = await csv('receiver,name\nok@x.com,A\nnot-an-email,B\n', '?skipInvalid=true');
    assert.equal(r.status, 201);
    assert.equal(r.body.rows, 1);
    assert.deepEqual(r.body.errors, [{ line: 3, message: '"not-an-email" is not a valid email receiver' }]);
    assert.equal((await csv('receiver\nnope\n', '?skipInvalid=true')).status, 422);
  });

  test('GET lists, DELETE removes; unknown template / crowd is 404; other media types 415', async () => {
    const list = await t.call('GET', `/v1/admin/templates/${tplId}/crowd`);
    assert.equal(list.status, 200);
    assert.equal(list.body.total, list.body.items.length);
    assert.ok(list.body.total >= 3);
    const first = list.body.items[0];
    assert.equal(first.rows, undefined);
    assert.equal((await t.call('DELETE', `/v1/admin/templates/${tplId}/crowd/${first.id}`)).status, 204);
    assert.equal((await t.call('DELETE', `/v1/admin/templates/${tplId}/crowd/${first.id}`)).status, 404);
    assert.equal((await t.call('GET', `/v1/admin/templates/${tplId}/crowd`)).body.total, list.body.total - 1);

    const missing = await t.call('POST', '/v1/admin/templates/999999/crowd', undefined, {
      raw: 'receiver\na@x.com\n',
      contentType: 'text/csv',
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'TEMPLATE_NOT_FOUND');
    assert.equal((await t.call('GET', '/v1/admin/templates/999999/crowd')).status, 404);
    const other = await t.call('POST', `/v1/admin/templates/${tplId}/crowd`, undefined, {
      raw: 'x',
      contentType: 'application/octet-stream',
    });
    assert.equal(other.status, 415);
    assert.equal(other.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const badJson = await t.call('POST', `/v1/admin/templates/${tplId}/crowd`, undefined, { raw: '{' });
    assert.equal(badJson.status, 400);
  });
});
