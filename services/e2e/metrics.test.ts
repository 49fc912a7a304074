import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Registry } from 'prom-client';
import {
  type AliyunSmsFake,
  aliyunAccountConfig,
  startAliyunSmsFake,
} from '../../pkg/channels/providers/aliyun-sms/fake.ts';
import { startTencentSmsFake, type TencentSmsFake } from '../../pkg/channels/providers/tencent-sms/fake.ts';
import { tencentAccountConfig } from '../../pkg/channels/providers/tencent-sms/fixtures.ts';
import { startWecomAppFake, type WecomAppFake } from '../../pkg/channels/providers/wecom-app/fake.ts';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { LIVE_CONFIG_NAME } from '../../pkg/pipeline/live-config.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { type FakeHttp, startFakeHttp } from '../../pkg/testkit/fake-http.ts';
import { platformEnv, sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { startAll } from '../all/wire.ts';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The samples of a Prometheus text exposition. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const WHSEC = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

/**
 * Every declared series moves under real traffic: the four parts in one process, built as the
 * all-in-one process builds them (services/all/wire.ts: a registry per part, served together at
 * ingest's /metrics). Traffic: sandbox sends, WeCom app messages (a batch provider with an
 * access token), a webhook account whose endpoint answers 500 (a failover to a second account,
 * then retries, an open breaker and a dead letter). The list of series comes from the
 * registries, so a series declared and never recorded fails here.
 */
describe('metrics: every declared series is recorded, each under its process label', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let all: Awaited<ReturnType<typeof startAll>>;
  let webhook: FakeHttp;
  let wecom: WecomAppFake;
  let tencent: TencentSmsFake;
  let aliyun: AliyunSmsFake;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const ids: Record<'sandbox' | 'wecom' | 'sms' | 'held' | 'dead', string[]> = {
    sandbox: [],
    wecom: [],
    sms: [],
    held: [],
    dead: [],
  };
  const templates = { sandbox: 0, wecom: 0, sms: 0, held: 0, dead: 0 };
  let apiKey = '';

  before(async () => {
    r = await testRedis();
    t = await testDb('sqlite');
    // One endpoint: account "down" is always refused with 500; account "up" is taken, its first
    // request held until the test has seen it in flight.
    webhook = await startFakeHttp(async (req) => {
      if (req.headers['x-account'] !== 'up') return { status: 500, body: 'down' };
      await held;
      return { status: 200, body: 'ok' };
    });
    wecom = await startWecomAppFake({});
    tencent = await startTencentSmsFake({ templates: { '1001': '您的验证码是{1}' } });
    aliyun = await startAliyunSmsFake({ templates: { SMS_1: ['code'] } });
    tencent.failAlways({ status: 503 });
    const env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      {
        EVENT_PARTITIONS: '2',
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '100',
        MAX_ATTEMPTS: '2',
        BREAKER_THRESHOLD: '2',
        RECEIPTS_PULL_MS: '1000',
      },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'metrics-e2e');
    const shop = await core.repos.apps.create({ name: 'shop' });
    apiKey = shop.apiKey;
    const appId = shop.app.id;
    templates.sandbox = (await sandboxTemplate(core.repos, { text: 'Hi {$name}' }, { appId })).templateId;
    const account = (name: string, channel: string, provider: string, config: Record<string, unknown>) =>
      core.repos.accounts.create({ name, channel, provider, config } as Parameters<
        typeof core.repos.accounts.create
      >[0]);
    const template = async (
      name: string,
      channel: string,
      messageType: 'notice' | 'marketing',
      accountId: number | undefined,
      content: unknown,
    ) =>
      (
        await core.repos.templates.create({
          name,
          appId,
          channel,
          messageType,
          ...(accountId === undefined ? {} : { accountId }),
          content,
        } as Parameters<typeof core.repos.templates.create>[0])
      ).id;
    const hook = (name: string) => ({
      secret: WHSEC,
      allowPrivateNetworks: true,
      headers: { 'x-account': name },
    });
    const body = { body: { event: 'order.paid', order: '{$order}' } };
    const down = await account('down', 'webhook', 'webhook', hook('down'));
    const up = await account('up', 'webhook', 'webhook', hook('up'));
    templates.dead = await template('dead', 'webhook', 'marketing', down.id, body);
    templates.held = await template('held', 'webhook', 'notice', up.id, body);
    const wecomAccount = await account('wecom', 'wecom_app', 'wecom', {
      corpId: wecom.corpId,
      corpSecret: wecom.corpSecret,
      agentId: wecom.agentId,
      baseUrl: wecom.baseUrl,
    });
    templates.wecom = await template('wecom', 'wecom_app', 'notice', wecomAccount.id, {
      text: 'Order {$order} shipped',
    });
    const tAcc = await account('tencent', 'sms', 'tencent', tencentAccountConfig(tencent));
    const aAcc = await account('aliyun', 'sms', 'aliyun', aliyunAccountConfig(aliyun, '阿里云'));
    templates.sms = await template('code', 'sms', 'notice', undefined, {
      text: '【推送测试】您的验证码是{$code}',
      providers: {
        tencent: { templateId: '1001', params: ['{$code}'] },
        aliyun: { templateCode: 'SMS_1', params: { code: '{$code}' } },
      },
    });
    // Routed SMS go to Tencent first (weight 1), which answers 503, and fail over to Aliyun.
    await core.repos.configStore.set(
      LIVE_CONFIG_NAME,
      {
        routing: {
          'sms.notice': [
            { accountId: tAcc.id, weight: 1 },
            { accountId: aAcc.id, weight: 0 },
          ],
        },
      },
      'test',
    );
    all = await startAll(core);
  });

  after(async () => {
    release();
    for (const c of [...(all?.closers ?? [])].reverse()) await c.close();
    for (const c of [...(core?.closers ?? [])].reverse()) await c.close();
    await webhook?.close();
    await wecom?.close();
    await tencent?.close();
    await aliyun?.close();
    await r?.cleanup();
    await t?.cleanup();
  });

  const base = () => `http://127.0.0.1:${all.port}`;
  const scrape = async () => parse(await (await fetch(`${base()}/metrics`)).text());
  const client = () => createClient({ baseUrl: base(), apiKey });
  const stateOf = async (id: string) => (await client().message(id)).state;
  const reach = (what: string, list: readonly string[], state: string) =>
    waitFor(
      `${what} ${state}`,
      async () => (await Promise.all(list.map(stateOf))).every((s) => s === state),
      15_000,
      50,
    );
  const send = async (templateId: number, receivers: string[], variables: Record<string, string>) =>
    (await client().send({ templateId, messages: [{ receivers, variables }] })).messageIds;

  test('traffic: sandbox, batch with token, failover, retries, breaker, dead letter', async () => {
    ids.sandbox = await send(templates.sandbox, ['ann@example.com', 'bob@example.com'], { name: 'A' });
    ids.wecom = await send(templates.wecom, ['zhangsan', 'lisi'], { order: '7' });
    ids.sms = await send(templates.sms, ['+8613800000001'], { code: '1234' });
    // Retried once, then given up (MAX_ATTEMPTS 2); the second failure opens the breaker.
    ids.dead = await send(templates.dead, [webhook.url], { order: '9' });
    // Held at the endpoint: the handler has it in flight.
    ids.held = await send(templates.held, [`${webhook.url}/held`], { order: '8' });
    await waitFor('a delivery in flight', async () =>
      (await scrape()).some((s) => s.name === 'push_handler_in_flight' && s.value >= 1),
    );
    release();
    await reach('sandbox', ids.sandbox, 'sent');
    await reach('wecom', ids.wecom, 'sent');
    await reach('sms', ids.sms, 'sent');
    await reach('held', ids.held, 'sent');
    await reach('dead', ids.dead, 'dead_lettered');
  });

  test('every declared push_* series has a sample, under the process that declares it', async () => {
    const parts = all.metrics;
    const declared = (reg: Registry) =>
      reg
        .getMetricsAsArray()
        .filter((m) => m.name.startsWith('push_'))
        .map((m) => ({ name: m.name, type: (m as unknown as { type: string }).type }));
    // Recorded on the way: the aggregator folds, the scheduler's receipt pull fires each second.
    const moved = (samples: Sample[], process: string, name: string, type: string) => {
      const own = samples.filter((s) => s.labels.process === process);
      if (type === 'histogram') return own.some((s) => s.name === `${name}_count` && s.value > 0);
      if (type === 'counter') return own.some((s) => s.name === name && s.value > 0);
      // Gauges: a sample (stream lag may rightly be 0); labelled ones appear only when set.
      return own.some((s) => s.name === name);
    };
    // Counts only events redelivered after they were applied (a crashed aggregator): none here.
    const RARE = new Set(['push_aggregator_events_replayed_total']);
    const missing = async () => {
      const samples = await scrape();
      const out: string[] = [];
      for (const [process, m] of Object.entries(parts))
        for (const d of declared(m.registry))
          if (!RARE.has(d.name) && !moved(samples, process, d.name, d.type))
            out.push(`${process}: ${d.name}`);
      return out;
    };
    let last: string[] = [];
    await waitFor(
      'every series recorded',
      async () => {
        last = await missing();
        return last.length === 0;
      },
      10_000,
      200,
    ).catch(() => assert.deepEqual(last, [], 'declared series never recorded'));

    // The list is the factory's, not a hand-kept one: each part declares its own.
    const names = Object.fromEntries(
      Object.entries(parts).map(([p, m]) => [p, declared(m.registry).map((d) => d.name)]),
    );
    for (const [p, n] of [
      ['ingest', 'push_deliveries_accepted_total'],
      ['handler', 'push_provider_call_duration_seconds'],
      ['handler', 'push_provider_token_refreshes_total'],
      ['aggregator', 'push_aggregator_lag'],
      ['scheduler', 'push_stream_lag'],
    ] as const)
      assert.ok(names[p]?.includes(n), `${p} declares ${n}`);
  });

  test('values: states, providers, codes, retries, breaker, streams and dead letters', async () => {
    // The dead letter is appended when the handler settles the entry, after its states.
    const samples: Sample[] = (await waitFor('the dead letter counted', async () => {
      const got = await scrape();
      return got.some((s) => s.name === 'push_dead_letters' && s.value > 0) ? got : undefined;
    }))!;
    const value = (name: string, labels: Record<string, string>) =>
      samples
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0);
    assert.equal(value('push_deliveries_accepted_total', { process: 'ingest', route: 'sandbox.notice' }), 2);
    assert.equal(value('push_deliveries_accepted_total', { process: 'ingest' }), 7);
    assert.equal(
      value('push_deliveries_total', {
        process: 'handler',
        route: 'sandbox.notice',
        provider: 'sandbox',
        state: 'sent',
      }),
      2,
    );
    assert.equal(value('push_deliveries_total', { route: 'webhook.marketing', state: 'retrying' }), 1);
    assert.equal(value('push_deliveries_total', { route: 'webhook.marketing', state: 'failed' }), 1);
    assert.equal(value('push_deliveries_total', { route: 'webhook.marketing', state: 'dead_lettered' }), 1);
    assert.equal(value('push_delivery_retries_total', { route: 'webhook.marketing' }), 1);
    // Sandbox calls are provider calls too. WeCom's two receivers share one batch call when the
    // second arrives within the linger window; on a loaded machine it may take its own call.
    assert.equal(
      value('push_provider_call_duration_seconds_count', {
        channel: 'sandbox',
        provider: 'sandbox',
        outcome: 'ok',
      }),
      2,
    );
    const wecomCalls = value('push_provider_call_duration_seconds_count', {
      provider: 'wecom',
      outcome: 'ok',
    });
    assert.ok(wecomCalls === 1 || wecomCalls === 2, `${wecomCalls} WeCom calls for 2 receivers`);
    const calls = (provider: string, outcome: string) =>
      value('push_provider_call_duration_seconds_count', { provider, outcome });
    assert.equal(calls('webhook', 'retryable'), 2);
    assert.equal(calls('webhook', 'ok'), 1);
    assert.equal(calls('tencent', 'retryable'), 1);
    assert.equal(calls('aliyun', 'ok'), 1);
    assert.equal(value('push_provider_errors_total', { provider: 'webhook', code: 'HTTP_500' }), 2);
    assert.equal(value('push_provider_errors_total', { provider: 'tencent' }), 1);
    assert.equal(value('push_provider_token_refreshes_total', { provider: 'wecom', outcome: 'ok' }), 1);
    assert.equal(value('push_provider_failovers_total', { from: 'tencent', to: 'aliyun' }), 1);
    assert.equal(value('push_provider_breaker_state', { process: 'handler' }) >= 2, true, 'a breaker opened');
    assert.equal(value('push_dead_letters', { process: 'scheduler', stream: 'dlq:{webhook.marketing}' }), 1);
    assert.ok(
      samples.some(
        (s) =>
          s.name === 'push_stream_pending' &&
          s.labels.stream === 'd:{sandbox.notice}' &&
          s.labels.group === 'handlers',
      ),
    );
    assert.ok(samples.some((s) => s.name === 'push_stream_lag' && s.labels.group === 'aggregator'));
    assert.ok(value('push_scheduler_runs_total', { kind: 'receipts', outcome: 'ok' }) >= 1);
    assert.ok(samples.some((s) => s.name === 'push_aggregator_lag' && s.labels.partition === '1'));
    // Low cardinality: no receiver, message id or key in any label.
    const labels = JSON.stringify(samples.map((s) => s.labels));
    for (const secret of [
      webhook.url,
      'zhangsan',
      '8613800000001',
      'ann@example.com',
      ...ids.sandbox,
      apiKey,
    ])
      assert.ok(!labels.includes(secret), `${secret} in a label`);
    // The Node process metrics once, on ingest's registry.
    assert.deepEqual(
      [
        ...new Set(
          samples.filter((s) => s.name === 'process_cpu_seconds_total').map((s) => s.labels.process),
        ),
      ],
      ['ingest'],
    );
  });
});
