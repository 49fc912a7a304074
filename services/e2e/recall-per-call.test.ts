import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWecomAppFake, type WecomAppFake } from '../../pkg/channels/providers/wecom-app/fake.ts';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';

// Recall at a provider that recalls whole calls (WeCom app messages by msgid): deliveries share
// a call only within one send request, a recall by request id takes back exactly that request's
// receivers, and naming one message of a multi-receiver call is refused rather than recalling
// the others too. Ingest in this process, a handler process, the WeCom fake over real HTTP.
describe('recall per provider call (WeCom app message, ingest + handler process)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let routerClosers: { close(): unknown }[] = [];
  let wecom: WecomAppFake;
  let handler: ServiceProcess;
  let apiKey: string;
  let templateId: number;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    wecom = await startWecomAppFake({});
    const env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { RETRY_BASE_MS: '50' });
    core = await openCore(withDevSecrets(loadConfig(env)), 'recall-e2e');
    const standard = standardRouters(core);
    routerClosers = standard.closers;
    ingest = await startIngest(core, standard.routers);
    apiKey = (await core.repos.apps.create({ name: 'shop' })).apiKey;
    const account = await core.repos.accounts.create({
      name: 'wecom',
      channel: 'wecom_app',
      provider: 'wecom',
      config: {
        corpId: wecom.corpId,
        corpSecret: wecom.corpSecret,
        agentId: wecom.agentId,
        baseUrl: wecom.baseUrl,
      },
    });
    templateId = (
      await core.repos.templates.create({
        name: 'notice',
        channel: 'wecom_app',
        messageType: 'notice',
        accountId: account.id,
        content: { text: 'Order {$order} shipped' },
      })
    ).id;
    handler = spawnService('handler', env);
  });

  after(async () => {
    await handler?.kill('SIGTERM');
    for (const c of [...ingest.closers].reverse()) await c.close();
    for (const c of [...routerClosers].reverse()) await c.close();
    for (const c of [...core.closers].reverse()) await c.close();
    await wecom.close();
    await r.cleanup();
    await t.cleanup();
  });

  const client = () => createClient({ baseUrl: `http://127.0.0.1:${ingest.port}`, apiKey });
  const sent = (ids: readonly string[]) =>
    waitFor(
      'sent',
      async () => (await Promise.all(ids.map((id) => core.ledger.record(id)))).every((x) => x?.st === 'sent'),
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
    const calls = wecom.messages.map((m) => [...m.touser].sort().join('|')).sort();
    assert.deepEqual(calls, ['ann|bob|cid', 'dan|eve'], 'one call per request, never mixed');

    const one = await client().recall({ messageIds: [a!.messageIds[0]!] });
    assert.deepEqual(
      one.results.map((x) => [x.result, x.reason]),
      [['recall_refused', 'RECALL_COVERS_WHOLE_REQUEST']],
    );
    assert.deepEqual(wecom.recalled, [], 'nothing was recalled at WeCom');

    const whole = await client().recall({ requestId: a!.requestId });
    assert.equal(whole.recalled, 3);
    assert.equal(wecom.recalled.length, 1, 'one provider recall for the call');
    for (const id of a!.messageIds) {
      const trace = await client().message(id);
      assert.equal(trace.state, 'recalled');
      assert.ok(trace.timeline.some((e) => e.state === 'recalled'));
    }
    // The other request is untouched, and can be recalled by naming all of its ids.
    assert.equal((await client().message(b!.messageIds[0]!)).state, 'sent');
    const all = await client().recall({ messageIds: b!.messageIds });
    assert.equal(all.recalled, 2);
    assert.equal(wecom.recalled.length, 2);
  });
});
