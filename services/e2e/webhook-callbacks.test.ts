import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyWebhook } from '../../pkg/channels/kit/standard-webhooks.ts';
import { startFakeWebhookReceiver } from '../../pkg/channels/providers/webhook/fake.ts';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { type FakeHttp, type FakeRequest, startFakeHttp } from '../../pkg/testkit/fake-http.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';

// The webhook channel and status callbacks over real processes: an app sends through the API,
// a handler process signs and posts to a local receiver, and the same handler posts the app's
// status callbacks, signed with the app's own secret, to the app's callback URL.
const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('webhook channel and status callbacks (ingest + handler process)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let routerClosers: { close(): unknown }[] = [];
  let rx: Awaited<ReturnType<typeof startFakeWebhookReceiver>>;
  let callbacks: FakeHttp;
  const posted: { req: FakeRequest; verified: boolean }[] = [];
  let handler: ServiceProcess;
  let apiKey: string;
  let callbackSecret: string;
  let openTemplate: number;
  let strictTemplate: number;

  before(async () => {
    r = await testRedis();
    t = await testDb('sqlite');
    rx = await startFakeWebhookReceiver({ secret: HOOK_SECRET });
    callbacks = await startFakeHttp((req) => {
      posted.push({ req, verified: verifyWebhook(callbackSecret, req.headers, req.body, Date.now()).ok });
      return { status: 204 };
    });
    const env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      { CALLBACKS_ALLOW_PRIVATE: 'true', RETRY_BASE_MS: '50', MAX_ATTEMPTS: '2' },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'webhook-e2e');
    const standard = standardRouters(core);
    routerClosers = standard.closers;
    ingest = await startIngest(core, standard.routers);
    const created = await core.repos.apps.create({
      name: 'shop',
      callbackUrl: `${callbacks.url}/status`,
      callbackStates: ['sent', 'failed'],
    });
    apiKey = created.apiKey;
    callbackSecret = created.callbackSecret!;
    const onPrem = await core.repos.accounts.create({
      name: 'hooks (on-prem)',
      channel: 'webhook',
      provider: 'webhook',
      config: { secret: HOOK_SECRET, allowPrivateNetworks: true },
    });
    const strict = await core.repos.accounts.create({
      name: 'hooks',
      channel: 'webhook',
      provider: 'webhook',
      config: { secret: HOOK_SECRET },
    });
    const content = { body: { event: 'order.paid', order: '{$order}' } };
    const tpl = (accountId: number, name: string) =>
      core.repos.templates.create({
        name,
        channel: 'webhook',
        messageType: 'notice',
        accountId,
        content,
        appId: created.app.id,
      });
    openTemplate = (await tpl(onPrem.id, 'paid (on-prem)')).id;
    strictTemplate = (await tpl(strict.id, 'paid')).id;
    handler = spawnService('handler', env);
    // Callbacks start at the end of the event streams: wait until the handler's group exists.
    await waitFor(
      'callbacks group',
      async () => {
        const groups = (await r.redis.xinfo('GROUPS', r.keys.events(0)).catch(() => [])) as unknown[][];
        return groups.some((g) => g.includes('callbacks'));
      },
      20_000,
      100,
    );
  });

  after(async () => {
    await handler?.kill('SIGTERM');
    for (const c of [...ingest.closers].reverse()) await c.close();
    for (const c of [...routerClosers].reverse()) await c.close();
    for (const c of [...core.closers].reverse()) await c.close();
    await rx.close();
    await callbacks.close();
    await r.cleanup();
    await t.cleanup();
  });

  const client = () => createClient({ baseUrl: `http://127.0.0.1:${ingest.port}`, apiKey });
  const callbacksOf = (id: string) =>
    posted.filter((p) => (JSON.parse(p.req.body) as { data: { messageId: string } }).data.messageId === id);

  test('a webhook is posted signed with the rendered body; the app gets a signed `sent` callback', async () => {
    const res = await client().send({
      templateId: openTemplate,
      messages: [{ receivers: [`${rx.url}/orders?k=1`], variables: { order: 'A-1' } }],
    });
    const id = res.messageIds[0]!;
    const [got] = await rx.waitFor(1, 20_000);
    assert.equal(got?.verified.ok, true, 'the receiver verified the Standard Webhooks signature');
    assert.equal(got?.headers['webhook-id'], id);
    assert.deepEqual(JSON.parse(got!.body), { event: 'order.paid', order: 'A-1' });
    await waitFor('sent', async () => (await core.ledger.record(id))?.st === 'sent', 10_000, 50);

    await waitFor('sent callback', async () => callbacksOf(id).length === 1, 20_000, 50);
    const cb = callbacksOf(id)[0]!;
    assert.equal(cb.verified, true, "the callback is signed with the app's secret");
    const body = JSON.parse(cb.req.body) as { type: string; data: Record<string, unknown> };
    assert.equal(body.type, 'message.sent');
    assert.equal(body.data.templateId, openTemplate);
    assert.equal(body.data.channel, 'webhook');
    assert.equal(cb.req.path, '/status');
  });

  test('a private target on an account without allowPrivateNetworks fails permanently, nothing is sent', async () => {
    const before = rx.received.length;
    const res = await client().send({
      templateId: strictTemplate,
      messages: [{ receivers: [`${rx.url}/internal`], variables: { order: 'B-2' } }],
    });
    const id = res.messageIds[0]!;
    await waitFor('failed', async () => (await core.ledger.record(id))?.st === 'failed', 20_000, 50);
    await waitFor('failed callback', async () => callbacksOf(id).length === 1, 20_000, 50);
    const body = JSON.parse(callbacksOf(id)[0]!.req.body) as { type: string; data: { reason: string } };
    assert.equal(body.type, 'message.failed');
    assert.equal(body.data.reason, 'HTTP_BLOCKED_ADDRESS');
    assert.equal(rx.received.length, before, 'the private receiver got no request');
    assert.equal((await core.ledger.record(id))?.n, '1', 'a refused address is not retried');
  });
});
