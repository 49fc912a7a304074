import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDingtalkWorkFake } from '../../pkg/channels/providers/dingtalk-work/fake.ts';
import { startWecomAppFake } from '../../pkg/channels/providers/wecom-app/fake.ts';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';

/** A provider that recalls whole calls, as the test drives it. */
type PerCall = {
  name: string;
  channel: 'wecom_app' | 'dingtalk_work';
  provider: string;
  start: () => Promise<{
    config: Record<string, unknown>;
    /** Receivers of each call the fake took. */
    calls: () => string[][];
    /** Provider ids recalled so far. */
    recalled: () => readonly string[];
    close(): Promise<void>;
  }>;
};

const PROVIDERS: readonly PerCall[] = [
  {
    name: 'WeCom app message (msgid)',
    channel: 'wecom_app',
    provider: 'wecom',
    start: async () => {
      const f = await startWecomAppFake({});
      return {
        config: { corpId: f.corpId, corpSecret: f.corpSecret, agentId: f.agentId, baseUrl: f.baseUrl },
        calls: () => f.messages.map((m) => [...m.touser]),
        recalled: () => f.recalled,
        close: () => f.close(),
      };
    },
  },
  {
    name: 'DingTalk work notice (task id)',
    channel: 'dingtalk_work',
    provider: 'dingtalk',
    start: async () => {
      const f = await startDingtalkWorkFake({});
      return {
        config: { appKey: f.appKey, appSecret: f.appSecret, agentId: f.agentId, baseUrl: f.baseUrl },
        calls: () => f.tasks.map((t) => [...t.userids]),
        recalled: () => f.recalled,
        close: () => f.close(),
      };
    },
  },
];

// Recall at a provider that recalls whole calls (WeCom app messages by msgid, DingTalk work
// notices by task id): deliveries share a call only within one send request, a recall by
// request id takes back exactly that request's receivers, and naming one message of a
// multi-receiver call is refused rather than recalling the others too. Ingest in this process,
// a handler process, the providers' fakes over real HTTP.
for (const p of PROVIDERS)
  describe(`recall per provider call: ${p.name} (ingest + handler process)`, () => {
    let r: Awaited<ReturnType<typeof testRedis>>;
    let t: Awaited<ReturnType<typeof testDb>>;
    let core: Core;
    let ingest: Awaited<ReturnType<typeof startIngest>>;
    let routerClosers: { close(): unknown }[] = [];
    let fake: Awaited<ReturnType<PerCall['start']>>;
    let handler: ServiceProcess;
    let apiKey: string;
    let templateId: number;

    before(async () => {
      r = await testRedis();
      t = await testDb('mysql');
      fake = await p.start();
      const env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { RETRY_BASE_MS: '50' });
      core = await openCore(withDevSecrets(loadConfig(env)), 'recall-e2e');
      const standard = standardRouters(core);
      routerClosers = standard.closers;
      ingest = await startIngest(core, standard.routers);
      const shop = await core.repos.apps.create({ name: 'shop' });
      apiKey = shop.apiKey;
      const account = await core.repos.accounts.create({
        name: p.name,
        channel: p.channel,
        provider: p.provider,
        config: fake.config,
      });
      templateId = (
        await core.repos.templates.create({
          name: 'notice',
          channel: p.channel,
          messageType: 'notice',
          accountId: account.id,
          content: { text: 'Order {$order} shipped' },
          appId: shop.app.id,
        })
      ).id;
      handler = spawnService('handler', env);
    });

    after(async () => {
      await handler?.kill('SIGTERM');
      for (const c of [...ingest.closers].reverse()) await c.close();
      for (const c of [...routerClosers].reverse()) await c.close();
      for (const c of [...core.closers].reverse()) await c.close();
      await fake.close();
      await r.cleanup();
      await t.cleanup();
    });

    const client = () => createClient({ baseUrl: `http://127.0.0.1:${ingest.port}`, apiKey });
    const sent = (ids: readonly string[]) =>
      waitFor(
        'sent',
        async () =>
          (await Promise.all(ids.map((id) => core.ledger.record(id)))).every((x) => x?.st === 'sent'),
        20_000,
        50,
      );

    test('two requests sent at once get a call each; one message of a call is refused, the request is recalled whole', async () => {
      const [a, b] = await Promise.all([
        client().send({
          templateId,
          messages: [{ receivers: ['ann', 'bob', 'cid'], variables: { order: '1' } }],
        }),
        client().send({ templateId, messages: [{ receivers: ['dan', 'eve'], variables: { order: '1' } }] }),
      ]);
      await sent([...a!.messageIds, ...b!.messageIds]);
      const calls = fake
        .calls()
        .map((c) => [...c].sort().join('|'))
        .sort();
      assert.deepEqual(calls, ['ann|bob|cid', 'dan|eve'], 'one call per request, never mixed');

      const one = await client().recall({ messageIds: [a!.messageIds[0]!] });
      assert.deepEqual(
        one.results.map((x) => [x.result, x.reason]),
        [['recall_refused', 'RECALL_COVERS_WHOLE_REQUEST']],
      );
      assert.deepEqual(fake.recalled(), [], 'nothing was recalled at the provider');

      const whole = await client().recall({ requestId: a!.requestId });
      assert.equal(whole.recalled, 3);
      assert.equal(fake.recalled().length, 1, 'one provider recall for the call');
      for (const id of a!.messageIds) {
        const trace = await client().message(id);
        assert.equal(trace.state, 'recalled');
        assert.ok(trace.timeline.some((e) => e.state === 'recalled'));
      }
      // The other request is untouched, and can be recalled by naming all of its ids.
      assert.equal((await client().message(b!.messageIds[0]!)).state, 'sent');
      const all = await client().recall({ messageIds: b!.messageIds });
      assert.equal(all.recalled, 2);
      assert.equal(fake.recalled().length, 2);
    });
  });
