import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createAdminClient, createClient, PushApiError, parseRetryAfter } from './index.ts';

/** A stand-in of the API with the contract's shapes (the real routes are tested where they live). */
function fakeApi() {
  const seen: {
    method: string;
    path: string;
    auth?: string;
    idem?: string;
    body?: unknown;
    query: string;
  }[] = [];
  const replies = new Map<string, unknown>();
  let config: Record<string, unknown> = { discardTemplateIds: [] };
  const app = new Hono();
  app.use('*', async (c, next) => {
    const body =
      c.req.header('content-type') === 'application/json' ? await c.req.raw.clone().json() : undefined;
    seen.push({
      method: c.req.method,
      path: c.req.path,
      auth: c.req.header('authorization'),
      idem: c.req.header('idempotency-key'),
      body,
      query: new URL(c.req.url).search,
    });
    const admin = c.req.path.startsWith('/v1/admin');
    if (c.req.header('authorization') !== `Bearer ${admin ? 'admin-token' : 'pk_test'}`) {
      return c.json({ error: { code: 'UNAUTHORIZED', message: 'invalid API key' } }, 401);
    }
    return next();
  });
  app.post('/v1/send', async (c) => {
    const body = (await c.req.json()) as { templateId: number; messages: { receivers: string[] }[] };
    if (body.templateId === 404) {
      return c.json({ error: { code: 'TEMPLATE_NOT_FOUND', message: 'template 404 does not exist' } }, 404);
    }
    if (body.templateId === 503) {
      c.header('Retry-After', '7');
      return c.json({ error: { code: 'BACKPRESSURE', message: 'backlog too long' } }, 503);
    }
    if (body.templateId === 502) return c.text('Bad Gateway', 502);
    const key = c.req.header('idempotency-key');
    if (key && replies.has(key)) {
      c.header('Idempotency-Replay', 'true');
      return c.json(replies.get(key) as object, 202);
    }
    const ids = body.messages.flatMap((m) => m.receivers).map((_, i) => `M${seen.length}-${i}`);
    const answer = { requestId: `R${seen.length}`, accepted: ids.length, messageIds: ids };
    if (key) replies.set(key, answer);
    return c.json(answer, 202);
  });
  app.post('/v1/recall', (c) =>
    c.json({ results: [{ messageId: 'M1', result: 'cancelled' }], cancelled: 1 }),
  );
  app.get('/v1/messages/:id', (c) =>
    c.json({
      messageId: c.req.param('id'),
      templateId: 1,
      receiver: 'a@x.com',
      channel: 'sandbox',
      state: 'sent',
      timeline: [{ state: 'accepted', at: 1, reason: '' }],
    }),
  );
  app.get('/v1/receivers/:receiver/messages', (c) =>
    c.json({ receiver: c.req.param('receiver'), day: c.req.query('day'), items: [] }),
  );
  app.get('/v1/templates/:id/stats', (c) =>
    c.json({
      templateId: Number(c.req.param('id')),
      days: [{ day: c.req.query('from'), counts: { sent: 2 } }],
    }),
  );
  app.get('/v1/sandbox/messages', (c) => c.json({ items: [], total: Number(c.req.query('limit') ?? 0) }));
  app.post('/v1/admin/apps', async (c) => c.json({ id: 1, ...(await c.req.json()), apiKey: 'pk_new' }, 201));
  app.post('/v1/admin/accounts', async (c) => c.json({ id: 2, ...(await c.req.json()) }, 201));
  app.post('/v1/admin/templates', async (c) =>
    c.json({ id: 3, status: 'active', ...(await c.req.json()) }, 201),
  );
  app.get('/v1/admin/config', (c) => c.json(config));
  app.put('/v1/admin/config', async (c) => {
    config = await c.req.json();
    return c.json(config);
  });
  return { app, seen, fetch: (url: string, init: RequestInit) => app.request(url, init) };
}

describe('send API client', () => {
  test('send posts the body with the key, idempotency header, and reports replays', async () => {
    const api = fakeApi();
    const push = createClient({ baseUrl: 'http://api.test/', apiKey: 'pk_test', fetch: api.fetch });
    const body = {
      templateId: 1,
      messages: [{ receivers: ['a@x.com', 'b@x.com'], variables: { name: 'Ann' } }],
    };
    const first = await push.send(body, { idempotencyKey: 'k1' });
    assert.equal(first.accepted, 2);
    assert.equal(first.messageIds.length, 2);
    assert.equal(first.replayed, false);
    const again = await push.send(body, { idempotencyKey: 'k1' });
    assert.deepEqual(again, { ...first, replayed: true });
    const req = api.seen[0]!;
    assert.deepEqual(
      { method: req.method, path: req.path, auth: req.auth, idem: req.idem, body: req.body },
      { method: 'POST', path: '/v1/send', auth: 'Bearer pk_test', idem: 'k1', body },
    );
  });

  test('errors become PushApiError with status, code, message, details and retryAfter', async () => {
    const api = fakeApi();
    const push = createClient({ baseUrl: 'http://api.test', apiKey: 'pk_test', fetch: api.fetch });
    const msg = (templateId: number) => ({ templateId, messages: [{ receivers: ['a@x.com'] }] });
    await assert.rejects(push.send(msg(404)), (e: unknown) => {
      assert.ok(e instanceof PushApiError);
      assert.equal(e.status, 404);
      assert.equal(e.code, 'TEMPLATE_NOT_FOUND');
      assert.equal(e.message, 'template 404 does not exist');
      return true;
    });
    await assert.rejects(push.send(msg(503)), { status: 503, code: 'BACKPRESSURE', retryAfter: 7 });
    await assert.rejects(push.send(msg(502)), { status: 502, code: 'HTTP_502', message: 'Bad Gateway' });
    const wrongKey = createClient({ baseUrl: 'http://api.test', apiKey: 'nope', fetch: api.fetch });
    await assert.rejects(wrongKey.message('M1'), { status: 401, code: 'UNAUTHORIZED' });
    const down = createClient({
      baseUrl: 'http://api.test',
      apiKey: 'pk_test',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await assert.rejects(down.message('M1'), { status: 0, code: 'NETWORK_ERROR' });
  });

  test('read calls encode paths and queries', async () => {
    const api = fakeApi();
    const push = createClient({ baseUrl: 'http://api.test', apiKey: 'pk_test', fetch: api.fetch });
    assert.equal((await push.message('01K/x')).messageId, '01K/x');
    const r = await push.receiverMessages('a+b@x.com', '2026-11-23');
    assert.deepEqual(r, { receiver: 'a+b@x.com', day: '2026-11-23', items: [] });
    const s = await push.templateStats(5, '2026-11-01', '2026-11-02');
    assert.deepEqual(s.days, [{ day: '2026-11-01', counts: { sent: 2 } }]);
    assert.equal(api.seen.at(-1)?.query, '?from=2026-11-01&to=2026-11-02');
    assert.deepEqual(await push.sandboxMessages({ limit: 3 }), { items: [], total: 3 });
    assert.equal(api.seen.at(-1)?.query, '?limit=3', 'unset receiver is left out');
    assert.deepEqual(await push.recall({ requestId: 'R1' }), {
      results: [{ messageId: 'M1', result: 'cancelled' }],
      cancelled: 1,
    });
  });

  test('works over real HTTP with the global fetch', async () => {
    const api = fakeApi();
    const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    try {
      const { port } = server.address() as AddressInfo;
      const push = createClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'pk_test', timeoutMs: 5000 });
      const r = await push.send({ templateId: 1, messages: [{ receivers: ['a@x.com'] }] });
      assert.equal(r.accepted, 1);
      await assert.rejects(push.send({ templateId: 503, messages: [{ receivers: ['a@x.com'] }] }), {
        retryAfter: 7,
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('admin client', () => {
  test('creates app, account, template and reads/writes config with the admin token', async () => {
    const api = fakeApi();
    const admin = createAdminClient({ baseUrl: 'http://api.test', token: 'admin-token', fetch: api.fetch });
    const app = await admin.createApp({ name: 'shop' });
    assert.deepEqual(app, { id: 1, name: 'shop', apiKey: 'pk_new' });
    const acct = await admin.createAccount({
      name: 'sb',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    assert.equal(acct.id, 2);
    const tpl = await admin.createTemplate({
      name: 'welcome',
      channel: 'sandbox',
      messageType: 'notice',
      accountId: acct.id,
      content: { text: 'Hello {$name}' },
    });
    assert.equal(tpl.id, 3);
    const cfg = { discardTemplateIds: [3], whitelist: { enabled: false, receivers: [] } };
    assert.deepEqual(await admin.putConfig(cfg), cfg);
    assert.deepEqual(await admin.getConfig(), cfg);
    assert.ok(api.seen.every((s) => s.auth === 'Bearer admin-token'));
    const bad = createAdminClient({ baseUrl: 'http://api.test', token: 'pk_test', fetch: api.fetch });
    await assert.rejects(bad.getConfig(), { status: 401 });
  });

  test('parseRetryAfter reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('12'), 12);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 0), 10);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});
