import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { standardRouters } from '../../services/ingest/routers.ts';
import { buildIngest } from '../../services/ingest/wire.ts';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { type Core, openCore } from '../process/core.ts';
import { platformEnv } from '../testkit/platform.ts';
import { randomTag, testDb, testRedis } from '../testkit/testkit.ts';

/**
 * The send API over HTTP, in process (app.request) against real Redis and MariaDB, with no
 * handler running: every bad body answers the one JSON error shape and enqueues nothing,
 * backpressure refuses sends past the high-water mark, and /openapi.json describes the API.
 */
describe('send routes (in-process HTTP, real Redis + MariaDB)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: ReturnType<typeof buildIngest>;
  let closers: { close(): unknown }[] = [];
  let apiKey: string;
  let adminToken: string;
  let sandboxTpl: number;
  let emailTpl: number;
  let marketingTpl: number;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    adminToken = `admin-${randomTag()}-${randomTag()}`;
    const env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      {
        ADMIN_TOKEN: adminToken,
        BACKPRESSURE_HIGH_WATER: '50',
      },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'send-routes-test');
    const std = standardRouters(core);
    ingest = buildIngest(core, std.routers);
    closers = [...core.closers, ...std.closers, ...ingest.closers];
    const sb = await core.repos.accounts.create({
      name: 'sb',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    const smtp = await core.repos.accounts.create({
      name: 'smtp',
      channel: 'email',
      provider: 'smtp',
      config: { host: '127.0.0.1', port: 1, secure: false, from: 'noreply@shop.test' },
    });
    const shop = await core.repos.apps.create({ name: 'shop' });
    apiKey = shop.apiKey;
    sandboxTpl = (
      await core.repos.templates.create({
        name: 'hello',
        channel: 'sandbox',
        messageType: 'notice',
        accountId: sb.id,
        content: { text: 'Hello {$name}' },
        appId: shop.app.id,
      })
    ).id;
    marketingTpl = (
      await core.repos.templates.create({
        name: 'promo',
        channel: 'sandbox',
        messageType: 'marketing',
        accountId: sb.id,
        content: { text: 'Sale, {$name}' },
        appId: shop.app.id,
      })
    ).id;
    emailTpl = (
      await core.repos.templates.create({
        name: 'mail',
        channel: 'email',
        messageType: 'notice',
        accountId: smtp.id,
        content: { subject: 'Hi {$name}', text: 'Hello {$name}' },
        appId: shop.app.id,
      })
    ).id;
  });

  after(async () => {
    for (const c of closers.reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  type Answer = { status: number; headers: Headers; body: Record<string, unknown> | undefined; text: string };

  async function post(
    path: string,
    body: unknown,
    o: { token?: string | null; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const token = o.token === undefined ? apiKey : o.token;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await ingest.app.request(path, {
      method: 'POST',
      headers,
      body: o.raw ?? JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /** Asserts the one error shape `{ error: { code, message, details? } }` and nothing else. */
  function assertErrorShape(
    a: Answer,
    status: number,
    code: string | RegExp,
  ): { code: string; details: unknown } {
    assert.equal(a.status, status, `expected ${status}, got ${a.status}: ${a.text}`);
    assert.match(a.headers.get('content-type') ?? '', /application\/json/);
    assert.ok(a.body, `not JSON: ${a.text}`);
    assert.deepEqual(Object.keys(a.body), ['error']);
    const e = a.body.error as Record<string, unknown>;
    assert.equal(typeof e.code, 'string');
    assert.equal(typeof e.message, 'string');
    assert.ok((e.message as string).length > 0);
    for (const k of Object.keys(e)) assert.ok(['code', 'message', 'details'].includes(k), `extra key ${k}`);
    if (typeof code === 'string') assert.equal(e.code, code, a.text);
    else assert.match(e.code as string, code);
    return { code: e.code as string, details: e.details };
  }

  /**
   * Everything a send writes under the test prefix: delivery streams, delayed sets, request
   * lists, ledger records and event streams, with their sizes.
   */
  async function enqueued(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const pattern of ['d:*', 'dl:*', 'rq:*', 'att:*', 'ev:*']) {
      let cursor = '0';
      do {
        const [next, found] = await r.redis.scan(cursor, 'MATCH', `${r.prefix}${pattern}`, 'COUNT', 1000);
        cursor = next;
        for (const k of found) {
          const type = await r.redis.type(k);
          out[k] =
            type === 'stream'
              ? await r.redis.xlen(k)
              : type === 'zset'
                ? await r.redis.zcard(k)
                : type === 'list'
                  ? await r.redis.llen(k)
                  : 1;
        }
      } while (cursor !== '0');
    }
    return out;
  }

  const ok = (receivers: string[] = ['a@x.com'], templateId = sandboxTpl) => ({
    templateId,
    messages: [{ receivers, variables: { name: 'Ann' } }],
  });

  test('a valid body is accepted (the baseline the bad bodies are measured against)', async () => {
    const before = await enqueued();
    const a = await post('/v1/send', ok(['a@x.com', 'b@x.com']));
    assert.equal(a.status, 202, a.text);
    const body = a.body as { requestId: string; accepted: number; messageIds: string[] };
    assert.equal(body.accepted, 2);
    assert.equal(body.messageIds.length, 2);
    const after = await enqueued();
    assert.equal(
      after[core.keys.stream('sandbox.notice')],
      (before[core.keys.stream('sandbox.notice')] ?? 0) + 2,
    );
    assert.equal(Object.keys(after).filter((k) => k.startsWith(`${r.prefix}att:`)).length, 2);
    // Clean the slate so the bad-body checks below start from a known state.
    await r.redis.del(...Object.keys(after));
    assert.deepEqual(await enqueued(), {});
  });

  const bad: [string, number, string | RegExp, () => Promise<Answer>][] = [
    [
      'templateId as a string',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', { ...ok(), templateId: '1' }),
    ],
    ['templateId negative', 422, 'VALIDATION_FAILED', () => post('/v1/send', { ...ok(), templateId: -3 })],
    ['templateId fractional', 422, 'VALIDATION_FAILED', () => post('/v1/send', { ...ok(), templateId: 1.5 })],
    [
      'messages as a string',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', { templateId: sandboxTpl, messages: 'x' }),
    ],
    [
      'receivers of numbers',
      422,
      'VALIDATION_FAILED',
      () =>
        post('/v1/send', {
          templateId: sandboxTpl,
          messages: [{ receivers: [1, 2], variables: { name: 'A' } }],
        }),
    ],
    [
      'variables as an array',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', { templateId: sandboxTpl, messages: [{ receivers: ['a'], variables: ['A'] }] }),
    ],
    ['sendAt not a date', 422, 'VALIDATION_FAILED', () => post('/v1/send', { ...ok(), sendAt: 'tomorrow' })],
    ['empty object', 422, 'VALIDATION_FAILED', () => post('/v1/send', {})],
    ['missing messages', 422, 'VALIDATION_FAILED', () => post('/v1/send', { templateId: sandboxTpl })],
    ['missing templateId', 422, 'VALIDATION_FAILED', () => post('/v1/send', { messages: ok().messages })],
    [
      'message without receivers',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', { templateId: sandboxTpl, messages: [{ variables: { name: 'A' } }] }),
    ],
    [
      'empty messages',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', { templateId: sandboxTpl, messages: [] }),
    ],
    [
      'empty receivers',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', { templateId: sandboxTpl, messages: [{ receivers: [], variables: {} }] }),
    ],
    [
      'unknown top-level key',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', { ...ok(), priority: 'high' }),
    ],
    [
      'unknown message key',
      422,
      'VALIDATION_FAILED',
      () =>
        post('/v1/send', {
          templateId: sandboxTpl,
          messages: [{ receivers: ['a'], variables: { name: 'A' }, cc: ['b'] }],
        }),
    ],
    ['a JSON array', 422, 'VALIDATION_FAILED', () => post('/v1/send', [ok()])],
    ['JSON null', 422, 'VALIDATION_FAILED', () => post('/v1/send', null)],
    [
      '1001 receivers in one message',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', ok(Array.from({ length: 1001 }, (_, i) => `u${i}@x.com`))),
    ],
    [
      '1200 receivers over two messages',
      422,
      'TOO_MANY_DELIVERIES',
      () =>
        post('/v1/send', {
          templateId: sandboxTpl,
          messages: [0, 1].map((m) => ({
            receivers: Array.from({ length: 600 }, (_, i) => `u${m}-${i}@x.com`),
            variables: { name: 'A' },
          })),
        }),
    ],
    ['unknown template', 404, 'TEMPLATE_NOT_FOUND', () => post('/v1/send', ok(['a'], 999_999))],
    [
      'missing variables',
      422,
      'MISSING_VARIABLES',
      () =>
        post('/v1/send', {
          templateId: sandboxTpl,
          messages: [{ receivers: ['a'], variables: { other: 1 } }],
        }),
    ],
    [
      'unknown time zone',
      422,
      'VALIDATION_FAILED',
      () =>
        post('/v1/send', {
          templateId: sandboxTpl,
          messages: [{ receivers: ['a'], variables: { name: 'A' }, timezone: 'Mars/Olympus' }],
        }),
    ],
    [
      'non-JSON',
      400,
      'INVALID_JSON',
      () => post('/v1/send', undefined, { raw: '{"templateId": 1, messages: [' }),
    ],
    ['empty body', 400, 'INVALID_JSON', () => post('/v1/send', undefined, { raw: '' })],
    ['missing API key', 401, 'UNAUTHORIZED', () => post('/v1/send', ok(), { token: null })],
    ['wrong API key', 401, 'UNAUTHORIZED', () => post('/v1/send', ok(), { token: 'pk_not-a-real-key' })],
    [
      'malformed Authorization header',
      401,
      'UNAUTHORIZED',
      () => post('/v1/send', ok(), { token: null, headers: { authorization: `Basic ${apiKey}` } }),
    ],
    ['admin token on /v1/send', 403, 'APP_KEY_REQUIRED', () => post('/v1/send', ok(), { token: adminToken })],
    [
      'body larger than 4 MiB',
      413,
      'PAYLOAD_TOO_LARGE',
      () =>
        post('/v1/send', {
          templateId: sandboxTpl,
          messages: [{ receivers: ['a'], variables: { name: 'x'.repeat(5 * 1024 * 1024) } }],
        }),
    ],
    [
      'over-long Idempotency-Key',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/send', ok(), { headers: { 'idempotency-key': 'k'.repeat(200) } }),
    ],
    [
      'recall with both selectors',
      422,
      'VALIDATION_FAILED',
      () => post('/v1/recall', { messageIds: ['a'], requestId: 'b' }),
    ],
    ['recall with neither selector', 422, 'VALIDATION_FAILED', () => post('/v1/recall', {})],
    [
      'recall of an unknown request',
      404,
      'REQUEST_NOT_FOUND',
      () => post('/v1/recall', { requestId: 'nope' }),
    ],
    [
      'recall without a key',
      401,
      'UNAUTHORIZED',
      () => post('/v1/recall', { requestId: 'nope' }, { token: null }),
    ],
    ['recall non-JSON', 400, 'INVALID_JSON', () => post('/v1/recall', undefined, { raw: 'nope' })],
  ];

  for (const [name, status, code, run] of bad) {
    test(`bad request: ${name} → ${status} ${code}, nothing enqueued`, async () => {
      const before = await enqueued();
      const a = await run();
      assertErrorShape(a, status, code);
      assert.deepEqual(await enqueued(), before, 'a refused request wrote deliveries or ledger records');
    });
  }

  test('a body sent as text/plain or without a content type: 415, nothing enqueued', async () => {
    const before = await enqueued();
    const plain = await post('/v1/send', undefined, {
      raw: JSON.stringify(ok()),
      headers: { 'content-type': 'text/plain' },
    });
    assertErrorShape(plain, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const form = await post('/v1/send', undefined, {
      raw: 'templateId=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertErrorShape(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.deepEqual(await enqueued(), before);
  });

  test('invalid receivers: 422 lists every bad one with its path, nothing enqueued', async () => {
    const before = await enqueued();
    const a = await post('/v1/send', {
      templateId: emailTpl,
      messages: [
        { receivers: ['ok@x.com', 'not-an-email'], variables: { name: 'A' } },
        { receivers: ['b@x.com', 'worse@', 'also@bad'], variables: { name: 'B' } },
      ],
    });
    const { details } = assertErrorShape(a, 422, 'INVALID_RECEIVERS');
    assert.deepEqual(details, {
      invalid: [
        { path: 'messages.0.receivers.1', receiver: 'not-an-email' },
        { path: 'messages.1.receivers.1', receiver: 'worse@' },
        { path: 'messages.1.receivers.2', receiver: 'also@bad' },
      ],
    });
    assert.deepEqual(await enqueued(), before);
  });

  test('missing variables: 422 names each message and variable', async () => {
    const a = await post('/v1/send', {
      templateId: emailTpl,
      messages: [
        { receivers: ['a@x.com'], variables: { name: 'A' } },
        { receivers: ['b@x.com'], variables: {} },
      ],
    });
    const { details } = assertErrorShape(a, 422, 'MISSING_VARIABLES');
    assert.deepEqual(details, { messages: [{ path: 'messages.1.variables', missing: ['name'] }] });
  });

  test('validation errors name the offending field', async () => {
    const a = await post('/v1/send', {
      templateId: sandboxTpl,
      messages: [{ receivers: [7], variables: {} }],
    });
    const { details } = assertErrorShape(a, 422, 'VALIDATION_FAILED');
    assert.ok(Array.isArray(details));
    assert.ok(
      (details as { path: string }[]).some((d) => d.path === 'messages.0.receivers.0'),
      JSON.stringify(details),
    );
  });

  test('an Idempotency-Key on a refused body enqueues nothing, and the fixed body then goes through', async () => {
    const key = `bad-then-good-${randomTag()}`;
    const before = await enqueued();
    const badBody = { templateId: sandboxTpl, messages: [{ receivers: ['a'], variables: {} }] };
    assertErrorShape(
      await post('/v1/send', badBody, { headers: { 'idempotency-key': key } }),
      422,
      'MISSING_VARIABLES',
    );
    // The same bad body again: refused the same way (not a replay of something, not a 409).
    assertErrorShape(
      await post('/v1/send', badBody, { headers: { 'idempotency-key': key } }),
      422,
      'MISSING_VARIABLES',
    );
    assert.deepEqual(await enqueued(), before);
  });

  test('backpressure: past the high-water mark sends answer 503 with Retry-After, nothing enqueued', async () => {
    const stream = core.keys.stream('sandbox.marketing');
    const receivers = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}@x.com`);
    // No handler runs: the route's backlog only grows. 60 deliveries take it past 50.
    const first = await post('/v1/send', ok(receivers(60, 'bp'), marketingTpl));
    assert.equal(first.status, 202, first.text);
    assert.equal(await r.redis.xlen(stream), 60);
    // The lag is sampled (at most every 500 ms): wait past the sample, then the route is full.
    await new Promise((res) => setTimeout(res, 600));
    const before = await enqueued();
    const refused = await post('/v1/send', ok(receivers(5, 'late'), marketingTpl));
    assertErrorShape(refused, 503, 'BACKPRESSURE');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1,
      `Retry-After: ${refused.headers.get('retry-after')}`,
    );
    assert.deepEqual(await enqueued(), before, 'a 503 wrote something');
    assert.equal(await r.redis.xlen(stream), 60);
    // With an Idempotency-Key, too: refused, and not remembered as done.
    const key = `bp-${randomTag()}`;
    const withKey = await post('/v1/send', ok(receivers(5, 'k'), marketingTpl), {
      headers: { 'idempotency-key': key },
    });
    assertErrorShape(withKey, 503, 'BACKPRESSURE');
    assert.equal(withKey.headers.get('idempotency-replay'), null);
    assert.deepEqual(await enqueued(), before);
    // Another route is not held back by this one's backlog.
    const other = await post('/v1/send', ok(['x@x.com']));
    assert.equal(other.status, 202, other.text);
  });

  test('GET /openapi.json: a valid OpenAPI 3.1 document of the send and recall routes', async () => {
    const res = await ingest.app.request('/openapi.json');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: unknown[] }>>;
      components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
    };
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    for (const p of ['/v1/send', '/v1/recall']) {
      assert.ok(doc.paths[p], `missing path ${p}; has ${Object.keys(doc.paths).join(', ')}`);
    }
    const send = doc.paths['/v1/send']!.post as unknown as {
      requestBody: { content: Record<string, { schema: unknown }> };
      responses: Record<string, unknown>;
      security?: unknown[];
    };
    assert.ok(send, 'POST /v1/send');
    assert.ok(send.requestBody.content['application/json'], 'send body schema');
    for (const s of ['202', '401', '404', '409', '422', '503']) assert.ok(send.responses[s], `send ${s}`);
    assert.ok(doc.paths['/v1/recall']!.post, 'POST /v1/recall');
    assert.ok(doc.components?.securitySchemes?.bearer, 'bearer security scheme');

    // Structure: every operation answers something; every path template has its parameter;
    // every $ref resolves inside the document.
    const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);
    for (const [path, item] of Object.entries(doc.paths)) {
      assert.ok(path.startsWith('/'), path);
      for (const [method, op] of Object.entries(item)) {
        if (!methods.has(method)) continue;
        assert.ok(Object.keys(op.responses ?? {}).length > 0, `${method} ${path} has no responses`);
        const params = (op.parameters ?? []) as { name: string; in: string; required?: boolean }[];
        for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
          const p = params.find((x) => x.in === 'path' && x.name === name);
          assert.ok(p, `${method} ${path} does not declare path parameter ${name}`);
          assert.equal(p.required, true, `${method} ${path}: path parameter ${name} must be required`);
        }
      }
    }
    const refs: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    assert.ok(refs.length > 0, 'the document uses named schemas');
    for (const ref of refs) {
      assert.match(ref, /^#\//, ref);
      let node: unknown = doc;
      for (const part of ref.slice(2).split('/'))
        node = (node as Record<string, unknown>)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      assert.ok(node, `unresolved $ref ${ref}`);
    }
    assert.ok(doc.components?.schemas?.SendRequest, 'SendRequest schema');
  });

  test('GET /openapi.json also describes the data routes', async () => {
    const doc = (await (await ingest.app.request('/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    for (const p of ['/v1/messages/{id}', '/v1/receivers/{receiver}/messages', '/v1/templates/{id}/stats']) {
      assert.ok(doc.paths[p], `missing path ${p}; has ${Object.keys(doc.paths).join(', ')}`);
    }
  });
});
