import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { readSandboxInbox } from '../../pkg/channels/providers/sandbox/inbox.ts';
import {
  type FakeWebhookReceiver,
  startFakeWebhookReceiver,
} from '../../pkg/channels/providers/webhook/fake.ts';
import { createClient, type PushClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { fieldsToRecord } from '../../pkg/domain/delivery.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { isCluster } from '../../pkg/redis/client.ts';
import { scanKeys } from '../../pkg/redis/cluster.ts';
import { type Scheduler, startScheduler } from '../../pkg/scheduler/scheduler.ts';
import { todayIn } from '../../pkg/stats/index.ts';
import { platformEnv, sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { type LocalCluster, startRedisCluster } from '../../pkg/testkit/redis-cluster.ts';
import { startStack } from '../../pkg/testkit/stack.ts';
import { randomTag, testDb, waitFor } from '../../pkg/testkit/testkit.ts';

// The platform on a real 3-master Redis Cluster (local redis-server processes): ingest, handler,
// aggregator and scheduler in this process, every connection a Cluster client (REDIS_URL points
// at a port where nothing listens, so nothing can reach a single server by mistake). Routes and
// event partitions hash to different slots, so every cross-slot command would fail here.
const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('Redis Cluster: send path, retries, aggregator, scheduler (3 local masters)', () => {
  let cluster: LocalCluster;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let rx: FakeWebhookReceiver;
  let app: PushClient;
  let admin: PushClient;
  let appId = 0;
  let notice = 0;
  let marketing = 0;
  let hook = 0;
  let sandboxAccount = 0;
  const closers: Closer[] = [];
  const schedulers: Scheduler[] = [];

  before(async () => {
    cluster = await startRedisCluster();
    t = await testDb('sqlite');
    rx = await startFakeWebhookReceiver({ secret: HOOK_SECRET });
    const env = platformEnv(
      { prefix: `t${randomTag()}:`, databaseUrl: t.url },
      {
        REDIS_URL: 'redis://127.0.0.1:1',
        REDIS_CLUSTER_NODES: cluster.env,
        EVENT_PARTITIONS: '4',
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '200',
        MAX_ATTEMPTS: '3',
        // The failing receiver must exhaust retries, not open the account's circuit breaker.
        BREAKER_THRESHOLD: '1000',
        HANDLER_CONCURRENCY: '20',
        TIMEZONE: 'UTC',
      },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'cluster-e2e');
    closers.push(...core.closers);
    assert.ok(isCluster(core.redis), 'REDIS_CLUSTER_NODES selects the Cluster client');
    const stack = await startStack(core);
    closers.splice(0, closers.length, ...stack.closers);
    const shop = await core.repos.apps.create({ name: 'shop' });
    appId = shop.app.id;
    app = createClient({ baseUrl: stack.base, apiKey: shop.apiKey });
    admin = createClient({ baseUrl: stack.base, apiKey: core.config.adminToken });
    const n = await sandboxTemplate(core.repos, { text: 'Hi {$name}' }, { appId, name: 'notice' });
    notice = n.templateId;
    sandboxAccount = n.accountId;
    marketing = (
      await core.repos.templates.create({
        name: 'promo',
        channel: 'sandbox',
        messageType: 'marketing',
        accountId: sandboxAccount,
        appId,
        content: { text: 'Sale {$name}' },
      })
    ).id;
    const hooks = await core.repos.accounts.create({
      name: 'hooks',
      channel: 'webhook',
      provider: 'webhook',
      config: { secret: HOOK_SECRET, allowPrivateNetworks: true },
    });
    hook = (
      await core.repos.templates.create({
        name: 'paid',
        channel: 'webhook',
        messageType: 'notice',
        accountId: hooks.id,
        appId,
        content: { body: { event: 'order.paid', order: '{$order}' } },
      })
    ).id;
  });

  after(async () => {
    for (const s of schedulers.splice(0)) await s.stop();
    for (const c of [...closers].reverse()) await c.close();
    await rx?.close();
    await t?.cleanup();
    await cluster?.stop();
  });

  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop();
  });

  /** Sandbox deliveries per message id. */
  async function inbox(): Promise<Map<string, { sentAt: number }[]>> {
    const { items } = await readSandboxInbox(core.redis, core.keys, { limit: 10_000 });
    const out = new Map<string, { sentAt: number }[]>();
    for (const i of items) out.set(i.messageId, [...(out.get(i.messageId) ?? []), i]);
    return out;
  }
  const allSent = async (ids: readonly string[]) =>
    (await Promise.all(ids.map((id) => core.ledger.record(id)))).every((x) => x?.st === 'sent');
  const counts = async (templateId: number) => {
    const day = todayIn(core.config.timezone, Date.now());
    return ((await admin.templateStats(templateId, day, day)).days[0]?.counts ?? {}) as Record<
      string,
      number
    >;
  };

  test('sandbox sends on two routes: accepted, delivered once, traced, counted, keys on every master', async () => {
    const receivers = (tag: string) => Array.from({ length: 30 }, (_, i) => `${tag}${i}@x.test`);
    const [a, b] = await Promise.all([
      app.send({ templateId: notice, messages: [{ receivers: receivers('n'), variables: { name: 'Ann' } }] }),
      app.send({
        templateId: marketing,
        messages: [{ receivers: receivers('m'), variables: { name: 'Bo' } }],
      }),
    ]);
    const ids = [...a.messageIds, ...b.messageIds];
    assert.equal(new Set(ids).size, 60);
    await waitFor('60 sent', () => allSent(ids), 30_000, 50);
    const got = await inbox();
    assert.deepEqual(
      ids.map((id) => got.get(id)?.length ?? 0),
      ids.map(() => 1),
      'each message reached the sandbox exactly once',
    );
    const timeline = (await admin.message(ids[0]!)).timeline.map((x) => x.state);
    assert.deepEqual([timeline[0], timeline.at(-1)], ['accepted', 'sent'], timeline.join(' → '));
    for (const [tpl, n] of [
      [notice, 30],
      [marketing, 30],
    ] as const) {
      await waitFor(`template ${tpl} folded`, async () => (await counts(tpl)).sent === n, 30_000, 100);
      assert.equal((await counts(tpl)).accepted, n);
    }
    // The keys really are spread over the cluster (so cross-slot commands would have failed).
    const cl = core.redis;
    assert.ok(isCluster(cl));
    const perMaster = await Promise.all(
      cl.nodes('master').map(async (node) => {
        let n = 0;
        let cursor = '0';
        do {
          const [next, found] = await node.scan(cursor, 'MATCH', `${core.keys.prefix}*`, 'COUNT', 1000);
          cursor = next;
          n += found.length;
        } while (cursor !== '0');
        return n;
      }),
    );
    assert.equal(perMaster.filter((n) => n > 0).length, 3, `keys per master: ${perMaster.join(', ')}`);
    assert.equal(
      (await scanKeys(core.redis, `${core.keys.prefix}*`)).length,
      perMaster.reduce((x, y) => x + y, 0),
    );
  });

  test('idempotency: the same key twice answers the same ids and sends once', async () => {
    const send = () =>
      app.send(
        {
          templateId: notice,
          messages: [{ receivers: ['idem1@x.test', 'idem2@x.test'], variables: { name: 'I' } }],
        },
        { idempotencyKey: `order-${randomTag()}` },
      );
    const key = `order-${randomTag()}`;
    const once = () =>
      app.send(
        {
          templateId: notice,
          messages: [{ receivers: ['idem1@x.test', 'idem2@x.test'], variables: { name: 'I' } }],
        },
        { idempotencyKey: key },
      );
    const first = await once();
    const second = await once();
    assert.deepEqual(second.messageIds, first.messageIds);
    const other = await send();
    assert.notDeepEqual(other.messageIds, first.messageIds, 'another key is another send');
    await waitFor('sent', () => allSent([...first.messageIds, ...other.messageIds]), 30_000, 50);
    const got = await inbox();
    assert.deepEqual(
      first.messageIds.map((id) => got.get(id)?.length),
      [1, 1],
    );
  });

  test('a failing webhook is retried MAX_ATTEMPTS times, then dead-lettered and counted', async () => {
    rx.answer({ status: 503, body: 'down' });
    const res = await app.send({
      templateId: hook,
      messages: [
        { receivers: Array.from({ length: 5 }, (_, i) => `${rx.url}/o/${i}`), variables: { order: 'x' } },
      ],
    });
    const dlq = core.keys.deadLetters('webhook.notice');
    await waitFor('5 dead letters', async () => (await core.redis.xlen(dlq)) === 5, 30_000, 50);
    const dead = (await core.redis.xrange(dlq, '-', '+')).map(([, f]) => fieldsToRecord(f));
    assert.deepEqual(dead.map((f) => f.id).sort(), [...res.messageIds].sort());
    const tries = new Map<string, number>();
    for (const x of rx.received)
      tries.set(x.headers['webhook-id']!, (tries.get(x.headers['webhook-id']!) ?? 0) + 1);
    assert.deepEqual(
      res.messageIds.map((id) => tries.get(id)),
      res.messageIds.map(() => 3),
      'three attempts each (MAX_ATTEMPTS)',
    );
    for (const id of res.messageIds) assert.equal((await core.ledger.record(id))?.st, 'failed');
    await waitFor('dead letters folded', async () => (await counts(hook)).dead_lettered === 5, 30_000, 100);
    // Nothing left behind in the route: no retry parked, nothing pending.
    assert.equal(await core.redis.zcard(core.keys.delayed('webhook.notice')), 0);
    rx.answer({ status: 200 });
  });

  test('sendAt: parked in the delayed set, moved back when due, delivered once after its time', async () => {
    const sendAt = Date.now() + 1500;
    const res = await app.send({
      templateId: notice,
      messages: [{ receivers: ['later@x.test'], variables: { name: 'L' } }],
      sendAt: new Date(sendAt).toISOString(),
    });
    const [id] = res.messageIds;
    assert.equal((await core.ledger.record(id!))?.st, 'scheduled');
    await waitFor('sent', () => allSent([id!]), 15_000, 50);
    const got = (await inbox()).get(id!) ?? [];
    assert.equal(got.length, 1);
    assert.ok(got[0]!.sentAt >= sendAt, `sent ${sendAt - got[0]!.sentAt} ms early`);
  });

  test('a cron template fires once through the scheduler leader, and its crowd is delivered', async () => {
    const tpl = await core.repos.templates.create({
      name: 'weekly',
      channel: 'sandbox',
      messageType: 'notice',
      accountId: sandboxAccount,
      appId,
      content: { text: 'Weekly {$name}' },
      cron: '* * * * *',
    });
    const rows = Array.from({ length: 4 }, (_, i) => ({
      receiver: `cron${i}@x.test`,
      variables: { name: `C${i}` },
    }));
    await core.repos.crowds.save({ templateId: tpl.id, filename: 'crowd.csv', rows, chunkRows: 2 });
    const runAt = Math.floor(Math.max(Date.now(), tpl.updatedAt + 1) / 60_000) * 60_000 + 60_000;
    const clock = runAt + 1000;
    for (const instance of ['sched-a', 'sched-b'])
      schedulers.push(
        startScheduler(core, { now: () => clock, tickMs: 40, leaseTtlMs: 900, mover: false, instance }),
      );
    await waitFor(
      'run completed',
      async () => (await core.repos.crowdRuns.find(tpl.id, runAt))?.status === 'done',
      30_000,
      50,
    );
    assert.equal(schedulers.filter((s) => s.isLeader()).length, 1, 'one leader');
    assert.equal(
      schedulers.reduce((n, s) => n + s.counters().deliveries, 0),
      4,
      'the run was enqueued once',
    );
    const delivered = await waitFor(
      'crowd delivered',
      async () => {
        const items = (await readSandboxInbox(core.redis, core.keys, { limit: 10_000 })).items.filter((i) =>
          i.receiver.startsWith('cron'),
        );
        return items.length >= 4 ? items : undefined;
      },
      30_000,
      50,
    );
    assert.deepEqual(
      delivered?.map((i) => i.receiver).sort(),
      rows.map((r) => r.receiver),
    );
    await waitFor('cron sends folded', async () => (await counts(tpl.id)).sent === 4, 30_000, 100);
  });
});
