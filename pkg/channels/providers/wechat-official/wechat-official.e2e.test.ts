import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../../client/client.ts';
import { type Fleet, startFleet } from '../../../testkit/fleet.ts';
import { waitFor } from '../../../testkit/testkit.ts';
import { fakeOpenId } from '../wechat-api/fake.ts';
import { startWechatOfficialFake, type WechatOfficialFake } from './fake.ts';

/**
 * The WeChat stable access token under a real fleet: two handler processes (and an ingest
 * process) send a few hundred official-account template messages (one call each: WeChat has no
 * batch) through one account at the fake; mid-run the fake expires every token. Exactly one
 * refresh may reach stable_token (single flight across processes, and a stale token replaced
 * once however many calls saw it refused), and no delivery may fail or arrive twice.
 */

const WAVE_1 = 200;
const WAVE_2 = 100;

describe('WeChat official account through two handler processes: one token refresh for the fleet', () => {
  let fleet: Fleet;
  let fake: WechatOfficialFake;
  const followers = Array.from({ length: WAVE_1 + WAVE_2 }, () => fakeOpenId());

  before(async () => {
    // Answers held back a little, so the expiry lands while sends are in flight.
    fake = await startWechatOfficialFake({ followers });
    fake.delay(20);
    fleet = await startFleet('wechat-e2e');
  });

  after(async () => {
    await fleet?.close();
    await fake?.close();
  });

  test('tokens expired mid-run: one stable_token refresh, every delivery sent once', async () => {
    const account = await fleet.core.repos.accounts.create({
      name: 'wechat',
      channel: 'wechat_official',
      provider: 'wechat',
      config: { appId: fake.appId, appSecret: fake.appSecret, baseUrl: fake.baseUrl },
    });
    const shop = await fleet.core.repos.apps.create({ name: 'shop' });
    const tpl = await fleet.core.repos.templates.create({
      appId: shop.app.id,
      name: 'order shipped',
      channel: 'wechat_official',
      messageType: 'notice',
      accountId: account.id,
      content: {
        templateId: fake.templateId,
        data: { thing1: '订单{$order}', character_string2: '{$order}', time3: '15:01' },
      },
    });
    const client = createClient({
      baseUrl: fleet.base,
      apiKey: shop.apiKey,
    });
    const sendWave = async (from: number, n: number): Promise<string[]> => {
      const receivers = followers.slice(from, from + n);
      const res = await client.send({
        templateId: tpl.id,
        messages: [{ receivers, variables: { order: `o-${from}` } }],
      });
      return res.messageIds;
    };
    /** Receivers WeCom accepted a message for, with how many times each. */
    const reached = () => {
      const n = new Map<string, number>();
      for (const m of fake.messages) n.set(m.touser, (n.get(m.touser) ?? 0) + 1);
      return n;
    };

    fleet.spawnHandlers(2);
    const ids = await sendWave(0, WAVE_1);
    await waitFor('a quarter of wave 1 sent', () => reached().size >= WAVE_1 / 4, 60_000, 5).catch((err) => {
      throw new Error(`${err.message}\n${fleet.output()}`);
    });
    assert.equal(fake.tokenCalls, 1, 'two processes fetched the first token more than once');
    assert.equal(fake.forceRefreshes, 0, 'normal mode only: nobody forced a refresh');
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
    assert.ok(fake.messages.every((m) => m.data.thing1?.startsWith('订单o-')));
    console.log(
      `# wechat e2e: ${total} deliveries, ${fake.tokenRefusals} refused for the expired token, ${fake.tokenCalls} stable_token calls`,
    );
  });
});
