import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { readSandboxInbox } from '../../pkg/channels/providers/sandbox/inbox.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { fieldsToRecord } from '../../pkg/domain/delivery.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { platformEnv, sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { startStack } from '../../pkg/testkit/stack.ts';
import { startTcpProxy, type TcpProxy, targetOf, viaProxy } from '../../pkg/testkit/tcp-proxy.ts';
import { TEST_MYSQL_URL, testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';

/**
 * The database cut off for a few seconds (a TCP proxy in front of MariaDB stops), with the whole
 * platform in this process behind it: what the caches know keeps working, what needs the
 * database answers 503 with Retry-After and writes nothing, and a delivery whose lookups met the
 * outage goes out within seconds of the database coming back (the visibility timeout is 30 s
 * here, so waiting for it would fail the test), once.
 */
describe('database outage (in-process platform behind a TCP proxy to MariaDB)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let proxy: TcpProxy;
  let core: Core;
  let closers: Closer[] = [];
  let base: string;
  let apiKey: string;
  let adminToken: string;
  let cached: number;
  let uncached: number;
  let lateTemplate: number;
  const route = 'sandbox.notice' as const;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    proxy = await startTcpProxy(targetOf(TEST_MYSQL_URL));
    const env = platformEnv(
      { prefix: r.prefix, databaseUrl: viaProxy(t.url, proxy.port) },
      { VISIBILITY_TIMEOUT_MS: '30000' },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'db-outage-test');
    adminToken = core.config.adminToken;
    const shop = await core.repos.apps.create({ name: 'shop' });
    apiKey = shop.apiKey;
    const tpl = (name: string) =>
      sandboxTemplate(core.repos, { text: `${name} {$n}` }, { name, appId: shop.app.id });
    cached = (await tpl('cached')).templateId;
    uncached = (await tpl('uncached')).templateId;
    lateTemplate = (await tpl('late')).templateId;
    const stack = await startStack(core, { aggregator: false });
    closers = stack.closers;
    base = stack.base;
  });

  after(async () => {
    await proxy?.resume();
    for (const c of [...closers].reverse()) await c.close();
    await proxy?.close();
    await r.cleanup();
    await t.cleanup();
  });

  const send = async (templateId: number, n: string, sendAt?: string) => {
    const res = await fetch(`${base}/v1/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        templateId,
        messages: [{ receivers: [`r-${n}`], variables: { n } }],
        ...(sendAt ? { sendAt } : {}),
      }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  };
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  };
  const inbox = async () => (await readSandboxInbox(core.redis, core.keys, { limit: 1000 })).items;
  const sentTo = async (receiver: string) => (await inbox()).filter((i) => i.receiver === receiver);
  const added = async () =>
    Number(
      fieldsToRecord((await r.redis.call('XINFO', 'STREAM', core.keys.stream(route))) as string[])[
        'entries-added'
      ],
    );
  const assertUnavailable = (a: { status: number; retryAfter: string | null; text: string }) => {
    assert.equal(a.status, 503, a.text);
    assert.ok(Number(a.retryAfter) >= 1, `Retry-After: ${a.retryAfter}`);
    assert.equal((JSON.parse(a.text) as { error: { code: string } }).error.code, 'DATABASE_UNAVAILABLE');
    assert.doesNotMatch(a.text, /127\.0\.0\.1|ECONN|PROTOCOL_|select|insert/i);
  };

  test('cached sends go on, the rest answers 503 and writes nothing, a parked delivery goes out once after', async () => {
    // Warm the caches of ingest and handler with one delivery of the cached template.
    assert.equal((await send(cached, 'warm')).status, 202);
    await waitFor('warm-up delivered', async () => (await sentTo('r-warm')).length === 1, 15_000);

    // Accepted now (ingest knows the template), due in a moment, when the database is gone: the
    // handler has never looked this template or its account up.
    const late = await send(lateTemplate, 'late', new Date(Date.now() + 1500).toISOString());
    assert.equal(late.status, 202, late.text);
    const addedBefore = await added();
    await proxy.stop();

    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    const checks = ((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks;
    assert.equal(checks.database?.ok, false);

    assert.equal((await send(cached, 'during')).status, 202, 'a cached template still sends');
    assertUnavailable(await send(uncached, 'nope'));
    assertUnavailable(await admin('GET', '/v1/admin/accounts'));
    const account = { name: 'made-in-outage', channel: 'sandbox', provider: 'sandbox', config: {} };
    assertUnavailable(await admin('POST', '/v1/admin/accounts', account));
    await waitFor(
      'cached send delivered during the outage',
      async () => (await sentTo('r-during')).length === 1,
      15_000,
    );

    // The late delivery came due, met the outage and was parked and tried again at least once.
    await waitFor(
      'late delivery tried twice in the outage',
      async () => (await added()) >= addedBefore + 2,
      20_000,
    );
    assert.deepEqual(await sentTo('r-late'), []);

    await proxy.resume();
    const resumedAt = Date.now();
    await waitFor(
      'late delivery sent after the database is back',
      async () => (await sentTo('r-late')).length > 0,
      20_000,
    );
    const waited = Date.now() - resumedAt;
    assert.ok(waited < 10_000, `sent ${waited} ms after the database came back (visibility timeout is 30 s)`);

    const created = await admin('POST', '/v1/admin/accounts', account);
    assert.equal(created.status, 201, created.text);
    const rows = await sql<{
      n: number;
    }>`select count(*) as n from channel_accounts where name = ${account.name}`.execute(t.db);
    assert.equal(Number(rows.rows[0]?.n), 1, 'the write refused in the outage left nothing behind');
    assert.equal((await send(uncached, 'after')).status, 202);
    await waitFor(
      'uncached template sends after the outage',
      async () => (await sentTo('r-after')).length === 1,
      15_000,
    );

    // Exactly once each, the parked one included.
    for (const who of ['r-warm', 'r-during', 'r-late', 'r-after']) {
      assert.equal((await sentTo(who)).length, 1, who);
    }
  });
});
