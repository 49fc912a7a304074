import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type AliyunSmsFake,
  aliyunAccountConfig,
  startAliyunSmsFake,
} from '../../pkg/channels/providers/aliyun-sms/fake.ts';
import { startTencentSmsFake, type TencentSmsFake } from '../../pkg/channels/providers/tencent-sms/fake.ts';
import { tencentAccountConfig } from '../../pkg/channels/providers/tencent-sms/fixtures.ts';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';

// SMS end to end over real processes (ingest in this process; handler, aggregator and scheduler
// spawned) against local Tencent and Aliyun fakes that check signatures, batch sizes and number
// forms as the real providers do.

/** `count` distinct mainland numbers starting at `from` (E.164). */
const numbers = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `+86139${String(from + i).padStart(8, '0')}`);
/** The fields of admin answers these tests read (created rows, 422 details). */
type ApiBody = { id: number; callbackToken: string; error: { details: { path: string; message: string }[] } };
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

describe('SMS: batching, weighted routing, failover, receipts (ingest + handler + aggregator + scheduler)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let routerClosers: { close(): unknown }[] = [];
  let tencent: TencentSmsFake;
  let aliyun: AliyunSmsFake;
  const procs: ServiceProcess[] = [];
  let env: Record<string, string>;
  let apiKey: string;
  let appId = 0;
  let tencentAccount: number;
  let aliyunAccount: number;
  let aliyunToken: string;
  let tencentOnly: number;
  let routed: number;
  let aliyunOnly: number;

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${ingest.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as ApiBody };
  };
  const client = () => createClient({ baseUrl: `http://127.0.0.1:${ingest.port}`, apiKey });
  /** Sends `receivers` in requests of 1000 (the API's maximum per request). */
  const sendAll = async (templateId: number, receivers: readonly string[]) => {
    const ids: string[] = [];
    for (let i = 0; i < receivers.length; i += 1000) {
      const res = await client().send({
        templateId,
        messages: [{ receivers: receivers.slice(i, i + 1000), variables: { code: '1234' } }],
      });
      ids.push(...res.messageIds);
    }
    return ids;
  };
  const states = async (ids: readonly string[]) =>
    Promise.all(ids.map(async (id) => (await core.ledger.record(id))?.st));
  const allSent = (ids: readonly string[], timeoutMs = 60_000) =>
    waitFor(`${ids.length} sent`, async () => (await states(ids)).every((s) => s === 'sent'), timeoutMs, 200);

  before(async () => {
    r = await testRedis();
    // MySQL, as in production: several processes write records, templates and accounts at once.
    t = await testDb('mysql');
    tencent = await startTencentSmsFake({ templates: { '1001': '您的验证码是{1}' } });
    aliyun = await startAliyunSmsFake({ templates: { SMS_1: ['code'] } });
    env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      { RETRY_BASE_MS: '50', BREAKER_THRESHOLD: '3', BREAKER_HALF_OPEN_MS: '1000', RECEIPTS_PULL_MS: '1000' },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'sms-e2e');
    const standard = standardRouters(core);
    routerClosers = standard.closers;
    ingest = await startIngest(core, standard.routers);
    const shop = await core.repos.apps.create({ name: 'shop' });
    [apiKey, appId] = [shop.apiKey, shop.app.id];

    const tAcc = await admin('POST', '/v1/admin/accounts', {
      name: 'tencent',
      channel: 'sms',
      provider: 'tencent',
      config: tencentAccountConfig(tencent),
    });
    assert.equal(tAcc.status, 201, JSON.stringify(tAcc.body));
    tencentAccount = tAcc.body.id;
    const aAcc = await admin('POST', '/v1/admin/accounts', {
      name: 'aliyun',
      channel: 'sms',
      provider: 'aliyun',
      config: aliyunAccountConfig(aliyun, '阿里云'),
    });
    assert.equal(aAcc.status, 201, JSON.stringify(aAcc.body));
    aliyunAccount = aAcc.body.id;
    aliyunToken = aAcc.body.callbackToken;
    const providers = {
      tencent: { templateId: '1001', params: ['{$code}'] },
      aliyun: { templateCode: 'SMS_1', params: { code: '{$code}' } },
    };
    const template = async (name: string, accountId: number | null, p: object) => {
      const res = await admin('POST', '/v1/admin/templates', {
        name,
        channel: 'sms',
        messageType: 'notice',
        appId,
        ...(accountId === null ? {} : { accountId }),
        content: { text: '【推送测试】您的验证码是{$code}', providers: p },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id;
    };
    tencentOnly = await template('code via tencent', tencentAccount, { tencent: providers.tencent });
    aliyunOnly = await template('code via aliyun', aliyunAccount, { aliyun: providers.aliyun });
    routed = await template('code, routed', null, providers);
    const live = await admin('PATCH', '/v1/admin/config', {
      routing: {
        'sms.notice': [
          { accountId: tencentAccount, weight: 80 },
          { accountId: aliyunAccount, weight: 20 },
        ],
      },
    });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    for (const name of ['handler', 'aggregator', 'scheduler'] as const) procs.push(spawnService(name, env));
    await waitFor(
      'sms-records group',
      async () => {
        const groups = (await r.redis.xinfo('GROUPS', r.keys.events(0)).catch(() => [])) as unknown[][];
        return groups.some((g) => g.includes('sms-records'));
      },
      20_000,
      100,
    );
  });

  after(async () => {
    for (const p of procs) await p.kill('SIGTERM');
    for (const c of [...ingest.closers].reverse()) await c.close();
    for (const c of [...routerClosers].reverse()) await c.close();
    for (const c of [...core.closers].reverse()) await c.close();
    await tencent.close();
    await aliyun.close();
    await r.cleanup();
    await t.cleanup();
  });

  test('10,000 SMS through one Tencent account reach it in at most 60 calls, each number once', async () => {
    const receivers = numbers(0, 10_000);
    const ids = await sendAll(tencentOnly, receivers);
    await allSent(ids);
    const calls = tencent.calls('SendSms');
    console.log(`# 10,000 SMS through one Tencent account: ${calls} SendSms calls`);
    assert.ok(calls <= 60, `${calls} SendSms calls`);
    for (const n of receivers) assert.equal(tencent.sentTo(n), 1, n);
    assert.equal(tencent.sent.length, 10_000);
    // Every send has its SMS record, written off the send path from the event stream.
    await waitFor(
      'records',
      async () =>
        Number(
          (
            await t.db
              .selectFrom('sms_records')
              .select((e) => e.fn.countAll().as('n'))
              .executeTakeFirst()
          )?.n,
        ) === 10_000,
      30_000,
      200,
    );
    const rec = await core.repos.smsRecords.get(ids[0]!);
    assert.equal(rec?.provider, 'tencent');
    assert.equal(rec?.accountId, tencentAccount);
    assert.ok(rec?.status === 'sent' || rec?.status === 'delivered', rec?.status);
    assert.equal(rec?.providerMessageId, tencent.sent.find((s) => s.phoneNumber === receivers[0])?.serialNo);
    assert.ok((rec?.segments ?? 0) >= 1);
  });

  test('a weighted split (Tencent 80 / Aliyun 20) over 10,000 sends is within 2 points of the weights', async () => {
    const before = { t: tencent.sent.length, a: aliyun.acceptedNumbers().length };
    const ids = await sendAll(routed, numbers(100_000, 10_000));
    await allSent(ids);
    const viaTencent = tencent.sent.length - before.t;
    const viaAliyun = aliyun.acceptedNumbers().length - before.a;
    assert.equal(viaTencent + viaAliyun, 10_000);
    const share = viaTencent / 10_000;
    console.log(`# weighted 80/20 over 10,000: Tencent ${viaTencent}, Aliyun ${viaAliyun}`);
    assert.ok(Math.abs(share - 0.8) <= 0.02, `Tencent took ${(share * 100).toFixed(1)}%`);
  });

  test('Tencent answering 5xx: deliveries go through Aliyun within their attempt; Tencent is back after the probe', async () => {
    tencent.failAlways({ status: 503 });
    const receivers = numbers(200_000, 300);
    const aliyunBefore = aliyun.acceptedNumbers().length;
    const ids = await sendAll(routed, receivers);
    await allSent(ids);
    assert.equal(aliyun.acceptedNumbers().length - aliyunBefore, 300, 'every message went through Aliyun');
    const traces = await Promise.all(ids.slice(0, 50).map((id) => client().message(id)));
    for (const tr of traces) {
      assert.equal(tr.state, 'sent');
      assert.ok(
        !tr.timeline.some((e) => e.state === 'retrying' || e.state === 'failed'),
        'no retry, no failure',
      );
    }
    tencent.recover();
    // After the breaker's half-open delay a probe reaches Tencent again, and it takes its share.
    const tencentBefore = tencent.sent.length;
    await waitFor(
      'tencent back',
      async () => {
        await allSent(await sendAll(routed, numbers(300_000 + Math.floor(Math.random() * 1e6), 20)));
        return tencent.sent.length > tencentBefore;
      },
      20_000,
      300,
    );
  });

  test('receipts by pull (Tencent) and by callback (Aliyun) reach `delivered` in the timeline and the stats; a replay changes nothing', async () => {
    // A template of its own: the earlier tests' receipts keep arriving on theirs.
    const own = await admin('POST', '/v1/admin/templates', {
      name: 'receipts via tencent',
      channel: 'sms',
      messageType: 'notice',
      appId,
      accountId: tencentAccount,
      content: {
        text: '【推送测试】您的验证码是{$code}',
        providers: { tencent: { templateId: '1001', params: ['{$code}'] } },
      },
    });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    const viaTencent = own.body.id;
    const [pulled] = await sendAll(viaTencent, numbers(400_000, 1));
    const [pushed] = await sendAll(aliyunOnly, numbers(400_001, 1));
    await allSent([pulled!, pushed!]);
    // The Tencent fake queued a receipt for its pull; the scheduler's leader pulls it.
    const delivered = async (id: string) =>
      (await client().message(id)).timeline.filter((e) => e.state === 'delivered').length;
    await waitFor('pulled receipt', async () => (await delivered(pulled!)) === 1, 30_000, 200);

    // Aliyun pushes its SmsReport to the account's callback route (no signature: the token).
    await waitFor(
      'aliyun record',
      async () => (await core.repos.smsRecords.get(pushed!))?.providerMessageId,
      20_000,
      100,
    );
    const send = aliyun.sends.filter((s) => s.numbers.includes('13900400001'));
    const push = () =>
      fetch(`http://127.0.0.1:${ingest.port}/v1/callbacks/sms/aliyun/${aliyunAccount}/${aliyunToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: aliyun.pushBody(send),
      });
    const first = await push();
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { code: 0, msg: '接收成功' });
    await waitFor('pushed receipt', async () => (await delivered(pushed!)) === 1, 20_000, 100);
    const wrong = await fetch(
      `http://127.0.0.1:${ingest.port}/v1/callbacks/sms/aliyun/${aliyunAccount}/nope`,
      {
        method: 'POST',
        body: aliyun.pushBody(send),
      },
    );
    assert.equal(wrong.status, 404, 'a wrong token is a missing route');

    const stats = async (templateId: number) => {
      const s = await client().templateStats(templateId, today(), today());
      return (s.days[0]?.counts as Record<string, number> | undefined)?.delivered ?? 0;
    };
    await waitFor(
      'stats',
      async () => (await stats(aliyunOnly)) === 1 && (await stats(viaTencent)) === 1,
      20_000,
      200,
    );
    await waitFor(
      'records delivered',
      async () =>
        (await core.repos.smsRecords.get(pushed!))?.status === 'delivered' &&
        (await core.repos.smsRecords.get(pulled!))?.status === 'delivered',
      20_000,
      100,
    );

    // The provider posts the same receipts again: acknowledged, and nothing changes.
    assert.equal((await push()).status, 200);
    const inbox = core.keys.receipts();
    await waitFor(
      'replay matched',
      async () => {
        const groups = (await r.redis.xinfo('GROUPS', inbox)) as unknown[][];
        const g = groups.find((x) => x.includes('receipts'))!;
        return Number(g[g.indexOf('pending') + 1]) === 0 && Number(g[g.indexOf('lag') + 1] ?? 0) === 0;
      },
      20_000,
      100,
    );
    assert.equal(await delivered(pushed!), 1);
    assert.equal(await stats(aliyunOnly), 1);
  });

  test('bad input answers 422 naming the field, and nothing is saved or enqueued', async () => {
    const countOf = async (table: 'templates' | 'channel_accounts') =>
      Number(
        (
          await t.db
            .selectFrom(table)
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );
    const [templatesBefore, accountsBefore] = [await countOf('templates'), await countOf('channel_accounts')];
    const noId = await admin('POST', '/v1/admin/templates', {
      name: 'x',
      channel: 'sms',
      messageType: 'notice',
      appId,
      accountId: tencentAccount,
      content: { text: 'x', providers: { tencent: { params: [] } } },
    });
    assert.equal(noId.status, 422);
    assert.equal(noId.body.error.details[0]!.path, 'content.providers.tencent.templateId');
    const noEntry = await admin('POST', '/v1/admin/templates', {
      name: 'x',
      channel: 'sms',
      messageType: 'notice',
      appId,
      accountId: tencentAccount,
      content: { text: 'x', providers: { aliyun: { templateCode: 'SMS_1' } } },
    });
    assert.equal(noEntry.status, 422);
    assert.equal(noEntry.body.error.details[0]!.path, 'content.providers.tencent');
    const noSecret = await admin('POST', '/v1/admin/accounts', {
      name: 'x',
      channel: 'sms',
      provider: 'tencent',
      config: { secretId: 'AKIDx', sdkAppId: '1400000000', signName: 's' },
    });
    assert.equal(noSecret.status, 422);
    assert.equal(noSecret.body.error.details[0]!.path, 'config.secretKey');
    assert.equal(await countOf('templates'), templatesBefore);
    assert.equal(await countOf('channel_accounts'), accountsBefore);

    const stream = core.keys.stream('sms.notice');
    const length = await r.redis.xlen(stream);
    const bad = await fetch(`http://127.0.0.1:${ingest.port}/v1/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        templateId: routed,
        messages: [{ receivers: ['+8613900000001', 'not-a-phone'], variables: { code: '1' } }],
      }),
    });
    assert.equal(bad.status, 422);
    const err = (await bad.json()) as { error: { code: string; details: { invalid: { path: string }[] } } };
    assert.equal(err.error.code, 'INVALID_RECEIVERS');
    assert.deepEqual(
      err.error.details.invalid.map((i) => i.path),
      ['messages.0.receivers.1'],
    );
    assert.equal(await r.redis.xlen(stream), length, 'nothing enqueued');
    // A bare mainland number is read as +86.
    const [id] = await sendAll(routed, ['13900999999']);
    assert.equal((await client().message(id!)).receiver, '+8613900999999');
    // The receiver lookup accepts both forms.
    for (const form of ['13900999999', '+8613900999999']) {
      await waitFor(
        `lookup by ${form}`,
        async () => (await client().receiverMessages(form, today())).items.some((m) => m.messageId === id),
        20_000,
        100,
      );
    }
  });
});
