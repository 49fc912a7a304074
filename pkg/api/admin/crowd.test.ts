import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { pino } from 'pino';
import { createRepos, type Repos } from '../../store/repos.ts';
import { testDb } from '../../testkit/testkit.ts';
import { createApp } from '../app.ts';
import { auth } from '../auth.ts';
import { errorHandler, notFoundHandler } from '../errors.ts';
import { listen } from '../listen.ts';
import { crowdRoutes, crowdRunRoutes } from './crowd.ts';

const TOKEN = 'crowd-test-admin-token-0123';
const log = pino({ level: 'silent' });

describe('admin crowd files and runs (mysql, HTTP)', () => {
  let t: Awaited<ReturnType<typeof testDb>>;
  let repos: Repos;
  let tplId: number;
  let base: string;
  let close: () => unknown;
  let app: ReturnType<typeof createApp>;
  const maxBytes = 8 * 1024 * 1024;

  before(async () => {
    t = await testDb('mysql');
    repos = createRepos(t.db, { secretKey: randomBytes(32), dialect: 'mysql' });
    const shop = await repos.apps.create({ name: 'shop' });
    const acc = await repos.accounts.create({
      name: 'mail',
      channel: 'email',
      provider: 'smtp',
      config: { host: 'h', port: 25, from: 'a@x.com' },
    });
    tplId = (
      await repos.templates.create({
        name: 'promo',
        channel: 'email',
        messageType: 'marketing',
        accountId: acc.id,
        appId: shop.app.id,
        content: { subject: 'Hi {$name}', text: 'Code {$code}' },
      })
    ).id;
    // The crowd routes as the admin API mounts them (under /templates, and /crowd-runs).
    const admin = () => {
      const a = new OpenAPIHono();
      a.route(
        '/templates',
        crowdRoutes({
          templates: repos.templates,
          crowds: repos.crowds,
          runs: repos.crowdRuns,
          maxBytes,
          log,
        }),
      );
      a.route('/crowd-runs', crowdRunRoutes({ runs: repos.crowdRuns }));
      return a;
    };
    // The composition of ingest (admin auth, /openapi.json) …
    app = createApp({
      log,
      adminToken: TOKEN,
      lookupApp: async () => undefined,
      ready: async () => ({}),
      admin: admin(),
    });
    // … and the upload as it streams once exempt from the JSON body limit (see the report on app.ts).
    const streaming = new OpenAPIHono();
    streaming.onError(errorHandler(log));
    streaming.notFound(notFoundHandler);
    streaming.use('/v1/admin/*', auth({ adminToken: TOKEN }));
    streaming.route('/v1/admin', admin());
    const http = await listen(streaming.fetch, { port: 0, host: '127.0.0.1', name: 'crowd-test' });
    base = `http://127.0.0.1:${http.port}`;
    close = () => http.closer.close();
  });
  after(async () => {
    await close();
    await t.cleanup();
  });

  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely, asserting shapes
  type Answer = { status: number; body: any; headers: Headers };
  async function call(path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Answer> {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }
  const csv = (text: string, query = '') =>
    call(`/v1/admin/templates/${tplId}/crowd${query}`, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'text/csv' },
    });
  /** A body that arrives in pieces, without a Content-Length (chunked). */
  const streamed = (pieces: Iterable<string>) => {
    const enc = new TextEncoder();
    const it = pieces[Symbol.iterator]();
    return new ReadableStream<Uint8Array>({
      pull(c) {
        const n = it.next();
        if (n.done) c.close();
        else c.enqueue(enc.encode(n.value));
      },
    });
  };
  const files = async () => (await t.db.selectFrom('crowd_files').select(['id', 'status']).execute()).length;

  test('text/csv: 201 with rows, chunks and columns; rows stored normalised with their lines', async () => {
    const r = await csv('receiver,name,code\nAnn@X.com,Ann,1\n\nbob@x.com,Bob,2\n', '?filename=vip.csv');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(
      { ...r.body, id: 0, createdAt: 0 },
      {
        id: 0,
        templateId: tplId,
        filename: 'vip.csv',
        rows: 2,
        chunks: 1,
        rejected: 0,
        bytes: 52,
        columns: ['name', 'code'],
        createdAt: 0,
      },
    );
    const rows = [];
    for await (const row of repos.crowds.rows(r.body.id)) rows.push(row);
    assert.deepEqual(rows, [
      { line: 2, receiver: 'ann@x.com', variables: { name: 'Ann', code: '1' } },
      { line: 4, receiver: 'bob@x.com', variables: { name: 'Bob', code: '2' } },
    ]);
    const list = await call(`/v1/admin/templates/${tplId}/crowd`);
    assert.equal(list.body.items[0].id, r.body.id);
    assert.equal(list.body.total, list.body.items.length);
  });

  test('multipart/form-data (a browser file) and JSON {filename, csv}', async () => {
    const form = new FormData();
    form.set(
      'file',
      new File(['receiver,name,code\nc@x.com,C,3\n'], 'C:\\fakepath\\form.csv', { type: 'text/csv' }),
    );
    const m = await call(`/v1/admin/templates/${tplId}/crowd`, { method: 'POST', body: form });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    assert.deepEqual([m.body.filename, m.body.rows], ['form.csv', 1]);
    const noFile = new FormData();
    noFile.set('filename', 'x.csv');
    const none = await call(`/v1/admin/templates/${tplId}/crowd`, { method: 'POST', body: noFile });
    assert.deepEqual([none.status, none.body.error.code], [422, 'CROWD_EMPTY']);
    // A multipart media type without its boundary is the client's mistake, not a 500.
    for (const type of ['multipart/form-data', 'multipart/form-data; boundary=']) {
      const noBoundary = await call(`/v1/admin/templates/${tplId}/crowd`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'receiver\na@x.com\n',
      });
      assert.deepEqual([noBoundary.status, noBoundary.body.error.code], [400, 'BAD_REQUEST'], type);
    }
    const j = await call(`/v1/admin/templates/${tplId}/crowd`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'j.csv', csv: 'receiver,name,code\nd@x.com,D,4\n' }),
    });
    assert.deepEqual([j.status, j.body.filename, j.body.rows], [201, 'j.csv', 1]);
    const bad = await call(`/v1/admin/templates/${tplId}/crowd`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(bad.status, 400);
  });

  test('bad rows reject the file: 422 with line, column, message; nothing is left behind', async () => {
    const before = await files();
    const r = await csv('receiver,name,code\nok@x.com,A,1\nnot-an-email,B,2\nc@x.com,C\n');
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'CROWD_INVALID');
    assert.deepEqual(r.body.error.details, {
      errorCount: 2,
      errors: [
        { line: 3, column: 'receiver', message: '"not-an-email" is not a valid email receiver' },
        { line: 4, column: null, message: 'expected 3 columns, found 2' },
      ],
    });
    assert.match(r.body.error.message, /line 3, column "receiver"/);
    // 250 bad rows: the first 100 are listed, all are counted.
    const many = await csv(`receiver,name,code\n${'nope,A,1\n'.repeat(250)}`);
    assert.deepEqual([many.body.error.details.errorCount, many.body.error.details.errors.length], [250, 100]);
    assert.equal(await files(), before, 'no file row, complete or not');
  });

  test('?skipInvalid=true stores the good rows and lists the others', async () => {
    const r = await csv('receiver,name,code\nok@x.com,A,1\nnot-an-email,B,2\n', '?skipInvalid=true');
    assert.equal(r.status, 201);
    assert.deepEqual([r.body.rows, r.body.rejected, r.body.errorCount], [1, 1, 1]);
    assert.deepEqual(r.body.errors, [
      { line: 3, column: 'receiver', message: '"not-an-email" is not a valid email receiver' },
    ]);
    const none = await csv('receiver,name,code\nnope,A,1\n', '?skipInvalid=true');
    assert.deepEqual([none.status, none.body.error.code], [422, 'CROWD_INVALID']);
  });

  test('files the template cannot use: missing placeholder column, empty, binary, broken quoting', async () => {
    const missing = await csv('receiver,name\na@x.com,A\n');
    assert.deepEqual([missing.status, missing.body.error.code], [422, 'CROWD_MISSING_COLUMNS']);
    assert.deepEqual(missing.body.error.details.errors, [
      { line: 1, column: 'code', message: "no column for the template's placeholder {$code}" },
    ]);
    const empty = await csv('');
    assert.deepEqual([empty.status, empty.body.error.code], [422, 'CROWD_EMPTY']);
    const binary = await call(`/v1/admin/templates/${tplId}/crowd`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]), // a zip (xlsx) header
    });
    assert.deepEqual([binary.status, binary.body.error.code], [422, 'CROWD_NOT_TEXT']);
    const quote = await csv('receiver,name,code\na@x.com,"Ann,1\n');
    assert.deepEqual(
      [quote.status, quote.body.error.code, quote.body.error.details.errors[0].line],
      [422, 'CROWD_INVALID', 2],
    );
  });

  test('an upload over CROWD_MAX_BYTES is 413, declared or streamed; under it a 9 MB file streams in', async () => {
    const declared = await csv(`receiver,name,code\n${'a@x.com,A,1\n'.repeat(800_000)}`);
    assert.deepEqual([declared.status, declared.body.error.code], [413, 'PAYLOAD_TOO_LARGE']);
    const rows = (n: number) =>
      (function* () {
        yield 'receiver,name,code\n';
        for (let i = 0; i < n; i += 1000)
          yield Array.from({ length: 1000 }, (_, k) => `u${i + k}@x.com,N${i + k},${k}\n`).join('');
      })();
    const over = await call(`/v1/admin/templates/${tplId}/crowd`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: streamed(rows(400_000)),
      duplex: 'half',
    });
    assert.deepEqual([over.status, over.body.error.code], [413, 'PAYLOAD_TOO_LARGE']);
    // 300,000 rows, 8.9 MB: past the app's 4 MiB JSON limit, within this route's own.
    const big = await call(`/v1/admin/templates/${tplId}/crowd?filename=big.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: streamed(rows(300_000)),
      duplex: 'half',
    });
    assert.equal(big.status, 201, JSON.stringify(big.body));
    assert.deepEqual([big.body.rows, big.body.chunks], [300_000, 300]);
    const last = await repos.crowds.chunk({ id: big.body.id, columns: big.body.columns }, 299);
    assert.deepEqual(last?.at(-1), {
      line: 300_001,
      receiver: 'u299999@x.com',
      variables: { name: 'N299999', code: '999' },
    });
  });

  test('a file refused at its second line is answered once the client has sent it all', async () => {
    const pieces = (function* () {
      yield 'receiver,name,code\nnot-an-email,A,1\n';
      for (let i = 0; i < 200; i++) yield 'x@x.com,B,2\n'.repeat(1000);
    })();
    const r = await call(`/v1/admin/templates/${tplId}/crowd`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: streamed(pieces),
      duplex: 'half',
    });
    assert.deepEqual(
      [r.status, r.body.error.details.errors[0].line, r.body.error.details.errorCount],
      [422, 2, 1],
    );
  });

  test('unknown template 404, other media types 415, DELETE, runs and run records', async () => {
    const missing = await call('/v1/admin/templates/999999/crowd', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'receiver\na@x.com\n',
    });
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'TEMPLATE_NOT_FOUND']);
    const other = await call(`/v1/admin/templates/${tplId}/crowd`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'x',
    });
    assert.deepEqual([other.status, other.body.error.code], [415, 'UNSUPPORTED_MEDIA_TYPE']);
    const first = (await call(`/v1/admin/templates/${tplId}/crowd`)).body.items[0];
    assert.equal(
      (await call(`/v1/admin/templates/${tplId}/crowd/${first.id}`, { method: 'DELETE' })).status,
      204,
    );
    assert.equal(
      (await call(`/v1/admin/templates/${tplId}/crowd/${first.id}`, { method: 'DELETE' })).status,
      404,
    );

    const runAt = Date.parse('2026-12-01T09:00:00Z');
    const run = await repos.crowdRuns.open({
      templateId: tplId,
      runAt,
      fileId: first.id,
      appId: 1,
      rowsTotal: 4,
      chunksTotal: 1,
    });
    await repos.crowdRuns.progress(run.id, { rowsRead: 1, accepted: 1, rejected: 0, chunksDone: 1 });
    const one = await call(`/v1/admin/crowd-runs/${run.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(
      [one.body.status, one.body.rowsRead, one.body.rowsTotal, one.body.progress, one.body.runAt],
      ['running', 1, 4, 0.25, runAt],
    );
    const list = await call(`/v1/admin/templates/${tplId}/runs?limit=5`);
    assert.deepEqual(
      [list.body.items.map((x: { id: number }) => x.id), list.body.total, list.body.next],
      [[run.id], 1, null],
    );
    assert.equal((await call('/v1/admin/crowd-runs/999999')).body.error.code, 'CROWD_RUN_NOT_FOUND');
    assert.equal((await call('/v1/admin/templates/999999/runs')).status, 404);
    assert.equal((await call(`/v1/admin/templates/${tplId}/runs?limit=0`)).status, 422);
  });

  test('in the ingest app: admin token required, and the routes are in /openapi.json', async () => {
    const anon = await app.request(`/v1/admin/templates/${tplId}/runs`);
    assert.equal(anon.status, 401);
    const ok = await app.request(`/v1/admin/templates/${tplId}/runs`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(ok.status, 200);
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, { post?: { requestBody: { content: Record<string, unknown> } } }>;
    };
    for (const p of [
      '/v1/admin/templates/{id}/crowd',
      '/v1/admin/templates/{id}/runs',
      '/v1/admin/crowd-runs/{id}',
    ]) {
      assert.ok(doc.paths[p], `${p} missing from /openapi.json`);
    }
    const body = doc.paths['/v1/admin/templates/{id}/crowd']!.post!.requestBody.content;
    assert.deepEqual(Object.keys(body).sort(), ['application/json', 'multipart/form-data', 'text/csv']);
  });
});
