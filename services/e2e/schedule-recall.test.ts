import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { readSandboxInbox } from '../../pkg/channels/providers/sandbox/inbox.ts';
import { createClient, type PushClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { fieldsToRecord } from '../../pkg/domain/delivery.ts';
import { LIVE_CONFIG_NAME } from '../../pkg/pipeline/live-config.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv, sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { randomTag, testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';

/**
 * `sendAt` and recall end to end over the sandbox channel: ingest → delayed set → the handler
 * process's mover → stream → handler. A scheduled delivery waits for its time; a recalled one
 * is never delivered and leaves no trace in the filters (content dedup is on in this file).
 */
describe('scheduled sends and recall (ingest + handler process + sandbox)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let routerClosers: { close(): unknown }[] = [];
  let client: PushClient;
  let otherApp: PushClient;
  let adminToken: string;
  let templateId: number;
  let h: ServiceProcess;
  const route = 'sandbox.notice' as const;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    adminToken = `admin-${randomTag()}-${randomTag()}`;
    const env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      {
        ADMIN_TOKEN: adminToken,
        VISIBILITY_TIMEOUT_MS: '5000',
      },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'schedule-test');
    // The standard routers carry recall at the provider (sent messages) besides cancel.
    const standard = standardRouters(core);
    routerClosers = standard.closers;
    ingest = await startIngest(core, standard.routers);
    const shop = await core.repos.apps.create({ name: 'shop' });
    const other = await core.repos.apps.create({ name: 'other' });
    templateId = (
      await sandboxTemplate(
        core.repos,
        { text: 'Hello {$name}' },
        { name: 'reminder', appId: shop.app.id, sharedWithApps: [other.app.id] },
      )
    ).templateId;
    // Content dedup on: the same text to the same receiver within a minute is sent once.
    await core.repos.configStore.set(LIVE_CONFIG_NAME, { dedup: { contentWindowSec: 60 } }, 'test');
    client = createClient({
      baseUrl: `http://127.0.0.1:${ingest.port}`,
      apiKey: shop.apiKey,
    });
    otherApp = createClient({
      baseUrl: `http://127.0.0.1:${ingest.port}`,
      apiKey: other.apiKey,
    });
    h = spawnService('handler', env);
    // The handler is up once it created the consumer group of the route.
    await waitFor(
      'handler started',
      async () => (await r.redis.exists(core.keys.stream(route))) && (await groups()) > 0,
      30_000,
      100,
    );
  });

  after(async () => {
    await h.kill('SIGTERM');
    for (const c of [...ingest.closers].reverse()) await c.close();
    for (const c of [...routerClosers].reverse()) await c.close();
    for (const c of [...core.closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  afterEach(() => {
    assert.equal(h.child.exitCode, null, `the handler died: ${h.output()}`);
  });

  async function groups(): Promise<number> {
    try {
      return ((await r.redis.call('XINFO', 'GROUPS', core.keys.stream(route))) as unknown[]).length;
    } catch {
      return 0;
    }
  }

  /** Sandbox deliveries per message id. */
  async function inbox(): Promise<Map<string, { sentAt: number; content: unknown }[]>> {
    const { items } = await readSandboxInbox(r.redis, core.keys, { limit: 10_000 });
    const out = new Map<string, { sentAt: number; content: unknown }[]>();
    for (const i of items) out.set(i.messageId, [...(out.get(i.messageId) ?? []), i]);
    return out;
  }

  async function states(id: string): Promise<string[]> {
    const out: string[] = [];
    for (let p = 0; p < core.config.eventPartitions; p++) {
      for (const [, flat] of await r.redis.xrange(core.keys.events(p), '-', '+')) {
        const f = fieldsToRecord(flat);
        if (f.id === id) out.push(f.st!);
      }
    }
    return out;
  }

  /** Nothing delayed, nothing unread, nothing pending on the route. */
  const idle = async () => {
    const info = (await r.redis.call('XINFO', 'GROUPS', core.keys.stream(route))) as unknown[][];
    const g = fieldsToRecord(info[0]!.map(String));
    return (await r.redis.zcard(core.keys.delayed(route))) === 0 && g.lag === '0' && g.pending === '0';
  };

  test('sendAt 2 s ahead: 202 and scheduled, not delivered before the time, delivered once after it', async () => {
    const sendAt = Date.now() + 2000;
    const res = await client.send({
      templateId,
      messages: [{ receivers: ['later1', 'later2'], variables: { name: 'Ann' } }],
      sendAt: new Date(sendAt).toISOString(),
    });
    assert.equal(res.accepted, 2);
    for (const id of res.messageIds) {
      assert.equal((await core.ledger.record(id))?.st, 'scheduled');
      assert.deepEqual(await states(id), ['accepted', 'scheduled']);
    }
    assert.equal(await r.redis.zcard(core.keys.delayed(route)), 2);
    // Watch the inbox until shortly before the due time: nothing may arrive early.
    while (Date.now() < sendAt - 150) {
      const got = await inbox();
      assert.ok(
        res.messageIds.every((id) => !got.has(id)),
        `delivered ${sendAt - Date.now()} ms before sendAt`,
      );
      await new Promise((res) => setTimeout(res, 100));
    }
    await waitFor('scheduled deliveries', async () => {
      const got = await inbox();
      return res.messageIds.every((id) => got.has(id));
    });
    const got = await inbox();
    for (const id of res.messageIds) {
      const items = got.get(id)!;
      assert.equal(items.length, 1, `${id} delivered ${items.length} times`);
      assert.ok(items[0]!.sentAt >= sendAt, `${id} sent ${sendAt - items[0]!.sentAt} ms early`);
      assert.deepEqual(items[0]!.content, { text: 'Hello Ann' });
      await waitFor(`${id} recorded sent`, async () => (await core.ledger.record(id))?.st === 'sent');
      assert.deepEqual(await states(id), ['accepted', 'scheduled', 'sent']);
    }
  });

  test('a sendAt in the past or now is sent at once', async () => {
    const res = await client.send({
      templateId,
      messages: [{ receivers: ['past'], variables: { name: 'Bo' } }],
      sendAt: new Date(Date.now() - 60_000).toISOString(),
    });
    await waitFor('delivered at once', async () => (await inbox()).has(res.messageIds[0]!), 5000);
    assert.ok(!(await states(res.messageIds[0]!)).includes('scheduled'));
  });

  test('recall by requestId: scheduled deliveries end cancelled and are never delivered', async () => {
    const sendAt = Date.now() + 1500;
    const res = await client.send({
      templateId,
      messages: [{ receivers: ['r1', 'r2', 'r3'], variables: { name: 'Cy' } }],
      sendAt: new Date(sendAt).toISOString(),
    });
    const recall = await client.recall({ requestId: res.requestId });
    assert.equal(recall.cancelled, 3);
    assert.deepEqual(
      recall.results,
      res.messageIds.map((messageId) => ({ messageId, result: 'cancelled' })),
    );
    for (const id of res.messageIds) assert.equal((await core.ledger.record(id))?.st, 'cancelled');
    // Recalling again changes nothing.
    const again = await client.recall({ requestId: res.requestId });
    assert.equal(again.cancelled, 0);
    assert.ok(
      again.results.every((x) => x.result === 'already_cancelled'),
      JSON.stringify(again),
    );
    // Past the due time, the mover hands them to the handler, which drops them.
    await new Promise((res) => setTimeout(res, Math.max(0, sendAt - Date.now())));
    await waitFor('the recalled entries worked off', idle, 10_000, 100);
    const got = await inbox();
    for (const id of res.messageIds) {
      assert.ok(!got.has(id), `${id} was delivered after its recall`);
      assert.equal((await core.ledger.record(id))?.st, 'cancelled');
      assert.deepEqual(await states(id), ['accepted', 'scheduled', 'cancelled']);
    }
  });

  test('a recalled message does not count as sent for content dedup: the same text can be sent later', async () => {
    const sendAt = Date.now() + 1500;
    const first = await client.send({
      templateId,
      messages: [{ receivers: ['dd'], variables: { name: 'Di' } }],
      sendAt: new Date(sendAt).toISOString(),
    });
    const recall = await client.recall({ messageIds: first.messageIds });
    assert.equal(recall.cancelled, 1);
    await new Promise((res) => setTimeout(res, Math.max(0, sendAt - Date.now())));
    await waitFor('the recalled entry worked off', idle, 10_000, 100);
    // The same content to the same receiver, now: the recalled one was never sent.
    const second = await client.send({
      templateId,
      messages: [{ receivers: ['dd'], variables: { name: 'Di' } }],
    });
    const id = second.messageIds[0]!;
    await waitFor('second delivery settled', async () => {
      const st = (await core.ledger.record(id))?.st;
      return st === 'sent' || st === 'dedup_content';
    });
    assert.equal((await core.ledger.record(id))?.st, 'sent', (await states(id)).join(' → '));
    assert.ok((await inbox()).has(id));
    // And dedup still works: a third copy right after is dropped.
    const third = await client.send({
      templateId,
      messages: [{ receivers: ['dd'], variables: { name: 'Di' } }],
    });
    await waitFor(
      'third dropped',
      async () => (await core.ledger.record(third.messageIds[0]!))?.st === 'dedup_content',
    );
  });

  test('recall of a sent message recalls it at the provider; of an unknown id, unknown', async () => {
    const res = await client.send({
      templateId,
      messages: [{ receivers: ['now'], variables: { name: 'Ed' } }],
    });
    const id = res.messageIds[0]!;
    await waitFor('sent', async () => (await core.ledger.record(id))?.st === 'sent');
    const recall = await client.recall({ messageIds: [id, '01ZZZZZZZZZZZZZZZZZZZZZZZZ'] });
    assert.deepEqual(recall, {
      results: [
        { messageId: id, result: 'recalled' },
        { messageId: '01ZZZZZZZZZZZZZZZZZZZZZZZZ', result: 'unknown' },
      ],
      cancelled: 0,
      recalled: 1,
    });
    const rec = await core.ledger.record(id);
    assert.equal(rec?.st, 'recalled');
    assert.equal(rec?.pv, 'sandbox', 'the record names the provider that sent it');
    assert.equal((await inbox()).get(id)?.length, 1, 'sent once, never again');
    // Recalling again changes nothing and is said so.
    const again = await client.recall({ messageIds: [id] });
    assert.deepEqual(again.results, [{ messageId: id, result: 'final' }]);
  });

  test("an app cannot recall another app's messages; the admin token can", async () => {
    const sendAt = Date.now() + 1500;
    const res = await client.send({
      templateId,
      messages: [{ receivers: ['mine1', 'mine2'], variables: { name: 'Fe' } }],
      sendAt: new Date(sendAt).toISOString(),
    });
    const [a, b] = res.messageIds as [string, string];
    // Another app: the request does not exist for it, and the ids are unknown to it.
    await assert.rejects(
      otherApp.recall({ requestId: res.requestId }),
      (e: { status?: number; code?: string }) => {
        assert.equal(e.status, 404);
        assert.equal(e.code, 'REQUEST_NOT_FOUND');
        return true;
      },
    );
    const foreign = await otherApp.recall({ messageIds: [a] });
    assert.deepEqual(foreign, { results: [{ messageId: a, result: 'unknown' }], cancelled: 0, recalled: 0 });
    assert.equal((await core.ledger.record(a))?.st, 'scheduled');
    // The operator (admin token) may recall any message.
    const admin = await fetch(`http://127.0.0.1:${ingest.port}/v1/recall`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messageIds: [b] }),
    });
    assert.equal(admin.status, 200);
    assert.deepEqual(await admin.json(), {
      results: [{ messageId: b, result: 'cancelled' }],
      cancelled: 1,
      recalled: 0,
    });
    // The one left alone is delivered; the recalled one is not.
    await waitFor('the untouched one delivered', async () => (await inbox()).has(a), 10_000, 100);
    await waitFor('the recalled entry worked off', idle, 10_000, 100);
    assert.ok(!(await inbox()).has(b));
  });
});
