import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../../client/client.ts';
import { loadConfig } from '../../../config/config.ts';
import { withDevSecrets } from '../../../config/dev-secrets.ts';
import { type Core, openCore } from '../../../process/core.ts';
import { platformEnv } from '../../../testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../../testkit/processes.ts';
import { freePort, testDb, testRedis, waitFor } from '../../../testkit/testkit.ts';
import { startWecomAppFake, type WecomAppFake } from './fake.ts';

/**
 * The shared access token under a real fleet: two handler processes (and an ingest process)
 * send a few hundred WeCom app messages through one account at the fake; mid-run the fake
 * expires every token. Exactly one refresh may reach gettoken (single flight across processes,
 * and a stale token replaced once however many calls saw it refused), and no delivery may fail.
 *
 * Run: `npx tsx --test pkg/channels/providers/wecom-app/wecom-app.e2e.test.ts`. Skipped until
 * wecom_app/wecom is in the provider list (pkg/channels/providers/index.ts).
 */
const listed = await import('../index.ts')
  .then(({ PROVIDERS }) => PROVIDERS.some((d) => d.channel === 'wecom_app' && d.provider === 'wecom'))
  .catch(() => false);

const WAVE_1 = 200;
const WAVE_2 = 100;

describe('WeCom app through two handler processes: one token refresh for the fleet', {
  skip: listed ? false : 'wecom_app/wecom is not in pkg/channels/providers/index.ts yet',
}, () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let fake: WecomAppFake;
  let env: Record<string, string>;
  let base: string;
  const procs: ServiceProcess[] = [];
  const output = () => procs.map((p) => p.output()).join('\n---\n');

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    // Answers held back a little, so the expiry lands while sends are in flight.
    fake = await startWecomAppFake({ sendDelayMs: 20 });
    env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      {
        RETRY_BASE_MS: '100',
        RETRY_MAX_MS: '400',
        MAX_ATTEMPTS: '4',
        VISIBILITY_TIMEOUT_MS: '5000',
        HANDLER_CONCURRENCY: '20',
      },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'wecom-e2e');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    procs.push(spawnService('ingest', { ...env, PORT: String(port) }));
    await waitFor(
      'ingest up',
      () =>
        fetch(`${base}/healthz`).then(
          (res) => res.ok,
          () => false,
        ),
      30_000,
      100,
    ).catch((err) => {
      throw new Error(`${err.message}\n${output()}`);
    });
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    for (const c of [...(core?.closers ?? [])].reverse()) await c.close();
    await fake?.close();
    await r?.cleanup();
    await t?.cleanup();
  });

  test('tokens expired mid-run: one gettoken refresh, every delivery sent once', async () => {
    const account = await core.repos.accounts.create({
      name: 'wecom',
      channel: 'wecom_app',
      provider: 'wecom',
      config: {
        corpId: fake.corpId,
        corpSecret: fake.corpSecret,
        agentId: fake.agentId,
        baseUrl: fake.baseUrl,
      },
    });
    const tpl = await core.repos.templates.create({
      name: 'order shipped',
      channel: 'wecom_app',
      messageType: 'notice',
      accountId: account.id,
      content: { text: 'Order {$order} shipped' },
    });
    const client = createClient({
      baseUrl: base,
      apiKey: (await core.repos.apps.create({ name: 'shop' })).apiKey,
    });
    const sendWave = async (from: number, n: number): Promise<string[]> => {
      const receivers = Array.from({ length: n }, (_, i) => `u${from + i}`);
      const res = await client.send({
        templateId: tpl.id,
        messages: [{ receivers, variables: { order: `o-${from}` } }],
      });
      return res.messageIds;
    };
    /** Receivers WeCom accepted a message for, with how many times each. */
    const reached = () => {
      const n = new Map<string, number>();
      for (const m of fake.messages) for (const u of m.touser) n.set(u, (n.get(u) ?? 0) + 1);
      return n;
    };

    procs.push(spawnService('handler', env), spawnService('handler', env));
    const ids = await sendWave(0, WAVE_1);
    await waitFor('a quarter of wave 1 sent', () => reached().size >= WAVE_1 / 4, 60_000, 5).catch((err) => {
      throw new Error(`${err.message}\n${output()}`);
    });
    assert.equal(fake.tokenCalls, 1, 'two processes fetched the first token more than once');
    fake.expireTokens();
    const expiredAt = fake.messages.length;
    ids.push(...(await sendWave(WAVE_1, WAVE_2)));

    const total = WAVE_1 + WAVE_2;
    const states = async () => Promise.all(ids.map(async (id) => (await core.ledger.record(id))?.st));
    await waitFor(
      'every delivery sent',
      async () => (await states()).every((s) => s === 'sent'),
      120_000,
      200,
    ).catch(async (err) => {
      const tally: Record<string, number> = {};
      for (const s of await states()) tally[String(s)] = (tally[String(s)] ?? 0) + 1;
      throw new Error(`${err.message}: ${JSON.stringify(tally)}\n${output()}`);
    });
    assert.ok(fake.messages.length > expiredAt, 'nothing was sent after the expiry: the test proved nothing');
    assert.ok(fake.tokenRefusals >= 1, 'no call was refused for its expired token');
    assert.equal(fake.tokenCalls, 2, 'the expired token was refreshed more than once (or never)');
    const got = reached();
    assert.equal(got.size, total);
    assert.deepEqual(
      [...got].filter(([, n]) => n !== 1),
      [],
      'a receiver got the message twice',
    );
    assert.ok(
      fake.messages.every((m) => (m.body.text as { content?: string })?.content?.startsWith('Order o-')),
    );
    console.log(
      `# wecom e2e: ${total} deliveries in ${fake.messages.length} calls, ${fake.tokenRefusals} refused for the expired token, ${fake.tokenCalls} gettoken calls`,
    );
  });
});
