import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { standardRouters } from '../../services/ingest/routers.ts';
import { buildIngest } from '../../services/ingest/wire.ts';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { partitionOf } from '../domain/events.ts';
import { type Core, openCore } from '../process/core.ts';
import { platformEnv, sandboxTemplate } from '../testkit/platform.ts';
import { testDb, testRedis, waitFor } from '../testkit/testkit.ts';

const DAY = 86_400_000;

/**
 * The limits of `/v1/send` beyond its schema, over HTTP against real Redis and MariaDB: the
 * `sendAt` horizon (later than SEND_AT_MAX_DAYS, before year 2000, more than a day past: 422),
 * the fan-out size (variables × receivers), the default per-app rate, and records of far-future
 * messages that live until they can no longer be sent (recall keeps working).
 */
describe('send limits (in-process HTTP, real Redis + MariaDB)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: ReturnType<typeof buildIngest>;
  let closers: { close(): unknown }[] = [];
  let apiKey: string;
  let slowKey: string;
  let tpl: number;
  let slowTpl: number;
  let parkKey: string;
  let parkTpl: number;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    // A horizon of 60 days, so a message parked past the 7-day record TTL can be tested.
    const env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      { SEND_AT_MAX_DAYS: '60', APP_DEFAULT_RATE: '2', TRACE_TTL_DAYS: '7', APP_PARKED_MAX_BYTES: '50000' },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'send-limits-test');
    const std = standardRouters(core);
    ingest = buildIngest(core, std.routers);
    closers = [...core.closers, ...std.closers, ...ingest.closers];
    // `shop` has a rate limit of its own, far above the default; `slow` has none: the default.
    const shop = await core.repos.apps.create({ name: 'shop', rateLimit: 1_000_000 });
    apiKey = shop.apiKey;
    tpl = (await sandboxTemplate(core.repos, { text: 'Hello {$name}' }, { appId: shop.app.id })).templateId;
    const slow = await core.repos.apps.create({ name: 'slow' });
    slowKey = slow.apiKey;
    slowTpl = (await sandboxTemplate(core.repos, { text: 'Hi {$name}' }, { appId: slow.app.id })).templateId;
    const park = await core.repos.apps.create({ name: 'park', rateLimit: 1_000_000 });
    parkKey = park.apiKey;
    parkTpl = (await sandboxTemplate(core.repos, { text: 'Yo {$name}' }, { appId: park.app.id })).templateId;
  });

  after(async () => {
    for (const c of closers.reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  /** A 202 or error answer; `details` is a 422's field list or FANOUT_TOO_LARGE's figures. */
  type Answer = {
    requestId: string;
    messageIds: string[];
    error: { code: string; message: string; details: { path: string }[] & { messages: { path: string }[] } };
  };
  const send = async (body: Record<string, unknown>, key = apiKey) => {
    const res = await ingest.app.request('/v1/send', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ templateId: tpl, ...body }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Answer };
  };
  const one = { receivers: ['ann@example.com'], variables: { name: 'Ann' } };
  const iso = (ms: number) => new Date(ms).toISOString();
  const streamLength = () => r.redis.xlen(core.keys.stream('sandbox.notice'));

  test('sendAt past the horizon, before year 2000 or far in the past: 422 naming sendAt, nothing written', async () => {
    const before = await streamLength();
    const parked = await r.redis.zcard(core.keys.delayed('sandbox.notice'));
    for (const sendAt of [
      '9999-12-31T23:59:59Z',
      iso(Date.now() + 61 * DAY),
      '0000-01-01T00:00:00Z',
      '1999-12-31T23:59:59Z',
      iso(Date.now() - 2 * DAY),
    ]) {
      const a = await send({ messages: [one], sendAt });
      assert.equal(a.status, 422, `${sendAt}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body.error.code, 'VALIDATION_FAILED');
      assert.equal(a.body.error.details[0]?.path, 'sendAt', sendAt);
    }
    // Not a date at all: the schema's 422, also naming the field.
    const bad = await send({ messages: [one], sendAt: '2026-02-31T00:00:00Z' });
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(bad.body.error.details), /sendAt/);
    assert.equal(await streamLength(), before);
    assert.equal(await r.redis.zcard(core.keys.delayed('sandbox.notice')), parked);
  });

  test('sendAt inside the horizon, or a little in the past, is accepted', async () => {
    const ahead = await send({ messages: [one], sendAt: iso(Date.now() + 59 * DAY) });
    assert.equal(ahead.status, 202, JSON.stringify(ahead.body));
    const before = await streamLength();
    const late = await send({ messages: [one], sendAt: iso(Date.now() - 3_600_000) });
    assert.equal(late.status, 202, JSON.stringify(late.body));
    // An hour late sends at once: straight into the stream.
    assert.equal(await streamLength(), before + 1);
  });

  test('a large variable copied to every receiver: 422 FANOUT_TOO_LARGE, nothing written', async () => {
    const before = await streamLength();
    const receivers = Array.from({ length: 1000 }, (_, i) => `u${i}@example.com`);
    const a = await send({ messages: [{ receivers, variables: { name: 'A', pad: 'x'.repeat(20_000) } }] });
    assert.equal(a.status, 422, JSON.stringify(a.body).slice(0, 300));
    assert.equal(a.body.error.code, 'FANOUT_TOO_LARGE');
    assert.equal(a.body.error.details.messages[0]?.path, 'messages.0.variables');
    assert.equal(await streamLength(), before);
    // The same variable to a few receivers is fine.
    const few = await send({
      messages: [{ receivers: receivers.slice(0, 3), variables: { name: 'A', pad: 'x'.repeat(20_000) } }],
    });
    assert.equal(few.status, 202);
  });

  test('an app without a rate limit of its own gets APP_DEFAULT_RATE: 429 with Retry-After past it', async () => {
    // 20 at 2/s: let through on a full bucket, leaving ~9 s of debt (robust against a slow machine).
    const receivers = Array.from({ length: 20 }, (_, i) => `r${i}@example.com`);
    const body = { templateId: slowTpl, messages: [{ receivers, variables: { name: 'R' } }] };
    assert.equal((await send(body, slowKey)).status, 202);
    const over = await send(
      { ...body, messages: [{ receivers: ['x@example.com'], variables: { name: 'R' } }] },
      slowKey,
    );
    assert.equal(over.status, 429, JSON.stringify(over.body));
    assert.equal(over.body.error.code, 'RATE_LIMITED');
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    // The app with its own (higher) limit is not held to the default.
    const many = Array.from({ length: 100 }, (_, i) => `m${i}@example.com`);
    assert.equal((await send({ messages: [{ receivers: many, variables: { name: 'M' } }] })).status, 202);
    assert.equal((await send({ messages: [one] })).status, 202);
  });

  test('a message parked past the record TTL keeps its record until then; recall still finds it', async () => {
    const dueAt = Date.now() + 20 * DAY;
    const a = await send({ messages: [{ ...one, bizId: 'order-far' }], sendAt: iso(dueAt) });
    assert.equal(a.status, 202, JSON.stringify(a.body));
    const [id] = a.body.messageIds;
    const record = core.keys.attempt(partitionOf(id!, core.config.eventPartitions), id!);
    const ttl = core.config.traceTtlDays * DAY;
    // Record, request index and business-id index outlive the due time by the normal retention.
    for (const key of [record, core.keys.request(a.body.requestId), core.keys.bizIndex('order-far')]) {
      const left = await r.redis.pttl(key);
      assert.ok(left > dueAt - Date.now() + ttl - 60_000, `${key}: ${left} ms left`);
    }
    // An immediate send with the same business id does not shorten its index.
    assert.equal((await send({ messages: [{ ...one, bizId: 'order-far' }] })).status, 202);
    assert.ok((await r.redis.pttl(core.keys.bizIndex('order-far'))) > dueAt - Date.now());

    const recall = await ingest.app.request('/v1/recall', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ messageIds: [id] }),
    });
    const rb = (await recall.json()) as { results: { result: string }[] };
    assert.equal(rb.results[0]!.result, 'cancelled');
    // Cancelled, it still must not lose its record before the parked entry comes due (else the
    // entry would find no record and be sent).
    assert.ok((await r.redis.pttl(record)) > dueAt - Date.now());
  });

  test('parked work per app is capped (APP_PARKED_MAX_BYTES) and released when it comes due', async () => {
    const receivers = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => `${tag}${i}@example.com`);
    const body = (n: number, tag: string, sendAt: number) => ({
      templateId: parkTpl,
      messages: [{ receivers: receivers(n, tag), variables: { name: 'P', pad: 'p'.repeat(3000) } }],
      sendAt: iso(sendAt),
    });
    const delayedKey = core.keys.delayed('sandbox.notice');
    // ~33 KB of a 50 KB quota, due in 2 s.
    const soon = await send(body(10, 'a', Date.now() + 2000), parkKey);
    assert.equal(soon.status, 202, JSON.stringify(soon.body));
    const parked = await r.redis.zcard(delayedKey);
    const later = body(10, 'b', Date.now() + DAY);
    const over = await send(later, parkKey);
    assert.equal(over.status, 429, JSON.stringify(over.body));
    assert.equal(over.body.error.code, 'PARKED_QUOTA_EXCEEDED');
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    assert.equal(await r.redis.zcard(delayedKey), parked, 'a refused request parks nothing');
    // Other apps are not held to this app's quota.
    assert.equal((await send({ messages: [one], sendAt: iso(Date.now() + DAY) })).status, 202);
    // One request larger than the whole quota can never fit: 422, not a retry.
    const huge = await send(body(20, 'c', Date.now() + DAY), parkKey);
    assert.equal(huge.status, 422, JSON.stringify(huge.body));
    assert.equal(huge.body.error.code, 'PARKED_QUOTA_EXCEEDED');
    // Once the first request is due its bytes are free again.
    await waitFor(
      'the quota freed when the first request came due',
      async () => (await send(later, parkKey)).status === 202,
      20_000,
      200,
    );
  });
});
