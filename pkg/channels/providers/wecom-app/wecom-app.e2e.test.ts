import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../../client/client.ts';
import { type Fleet, startFleet } from '../../../testkit/fleet.ts';
import { waitFor } from '../../../testkit/testkit.ts';
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
  let fleet: Fleet;
  let fake: WecomAppFake;

  before(async () => {
    // Answers held back a little, so the expiry lands while sends are in flight.
    fake = await startWecomAppFake({ sendDelayMs: 20 });
    fleet = await startFleet('wecom-e2e');
  });

  after(async () => {
    await fleet?.close();
    await fake?.close();
  });

  test('tokens expired mid-run: one gettoken refresh, every delivery sent once', async () => {
    const account = await fleet.core.repos.accounts.create({
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
    const shop = await fleet.core.repos.apps.create({ name: 'shop' });
    const tpl = await fleet.core.repos.templates.create({
      appId: shop.app.id,
      name: 'order shipped',
      channel: 'wecom_app',
      messageType: 'notice',
      accountId: account.id,
      content: { text: 'Order {$order} shipped' },
    });
    const client = createClient({
      baseUrl: fleet.base,
      apiKey: shop.apiKey,
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

    fleet.spawnHandlers(2);
    const ids = await sendWave(0, WAVE_1);
    await waitFor('a quarter of wave 1 sent', () => reached().size >= WAVE_1 / 4, 60_000, 5).catch((err) => {
      throw new Error(`${err.message}\n${fleet.output()}`);
    });
    assert.equal(fake.tokenCalls, 1, 'two processes fetched the first token more than once');
    fake.expireTokens();
    const expiredAt = fake.messages.length;
    ids.push(...(await sendWave(WAVE_1, WAVE_2)));

    const total = WAVE_1 + WAVE_2;
    const states = async () => Promise.all(ids.map(async (id) => (await fleet.core.ledger.record(id))?.st));
    await waitFor(
      'every delivery sent',
      async () => (await states()).every((s) => s === 'sent'),
      120_000,
      200,
    ).catch(async (err) => {
      const tally: Record<string, number> = {};
      for (const s of await states()) tally[String(s)] = (tally[String(s)] ?? 0) + 1;
      throw new Error(`${err.message}: ${JSON.stringify(tally)}\n${fleet.output()}`);
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
