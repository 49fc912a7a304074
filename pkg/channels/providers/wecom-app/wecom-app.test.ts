import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testDelivery } from '../../../testkit/messages.ts';
import { freePort, randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import { jsonSchemaOf } from '../../secret.ts';
import { touserGroups } from './client.ts';
import type { WecomAppContent } from './content.ts';
import { wecomApp } from './definition.ts';
import { startWecomAppFake, type WecomAppFake } from './fake.ts';

/**
 * The WeCom app provider against its fake (a real local HTTP server that checks tokens as WeCom
 * does), with the kit's real token cache in Redis. Two kits on one Redis stand for two handler
 * processes sharing the token.
 */
describe('WeCom app messages (wecom_app/wecom)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const fakes: WecomAppFake[] = [];

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await r.cleanup();
  });

  const fake = async (opts: Parameters<typeof startWecomAppFake>[0] = {}) => {
    const f = await startWecomAppFake(opts);
    fakes.push(f);
    return f;
  };
  /** A client of `accountId` as one handler process builds it (each call: its own kit). */
  const clientOf = (f: WecomAppFake, over: Record<string, unknown> = {}, accountId = 1) =>
    wecomApp.create(
      wecomApp.config.parse({
        corpId: f.corpId,
        corpSecret: f.corpSecret,
        agentId: String(f.agentId),
        baseUrl: f.baseUrl,
        ...over,
      }),
      createKit({ redis: r.redis, keys: r.keys, accountId, http, publicHttp: http }),
      { id: accountId, channel: 'wecom_app', provider: 'wecom' },
    ) as ProviderClient<WecomAppContent>;

  const template: Template = {
    id: 1,
    name: 'notice',
    channel: 'wecom_app',
    messageType: 'notice',
    accountId: 1,
    content: { text: 'Hello' },
    status: 'active',
    shield: 'none',
    timezone: null,
    appId: 1,
    sharedWithApps: [],
    version: 1,
    sensitive: 'none',
    updatedAt: 0,
  };
  const delivery = (receiver: string): Delivery =>
    testDelivery({ id: `m-${randomTag()}`, channel: 'wecom_app', receiver });

  const text = (t: string): WecomAppContent => ({ type: 'text', text: t });
  const batch = (c: ProviderClient<WecomAppContent>, receivers: string[], content = text('Hello')) =>
    c.sendBatch!({ deliveries: receivers.map(delivery), template, content });
  const send = (c: ProviderClient<WecomAppContent>, receiver: string, content = text('Hello')) =>
    c.send({ delivery: delivery(receiver), template, content });
  const failed = (o: SendOutcome | undefined) => {
    assert.ok(o && !o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };

  test('three users get one text message in one call, all with its msgid', async () => {
    const f = await fake();
    const outcomes = await batch(clientOf(f), ['ann', 'bob', 'cid'], text('Order 7 shipped'));
    assert.equal(f.messages.length, 1);
    const [m] = f.messages;
    assert.deepEqual(m!.touser, ['ann', 'bob', 'cid']);
    assert.equal(m!.msgtype, 'text');
    assert.deepEqual(m!.body.text, { content: 'Order 7 shipped' });
    assert.equal(m!.body.agentid, f.agentId);
    assert.equal(m!.body.enable_duplicate_check, 0);
    assert.deepEqual(
      outcomes,
      ['ann', 'bob', 'cid'].map(() => ({ ok: true, providerMessageId: m!.msgid })),
    );
  });

  test('receivers in invaliduser fail permanently, the others are sent; all invalid is 81013', async () => {
    const f = await fake({ invalidUsers: ['ghost', 'gone'] });
    const c = clientOf(f);
    const [ann, ghost, bob] = await batch(c, ['ann', 'ghost', 'bob']);
    assert.equal(ann?.ok, true);
    assert.equal(bob?.ok, true);
    const g = failed(ghost);
    assert.equal(g.code, 'INVALID_USER');
    assert.equal(g.retryable, false);
    const all = await batch(c, ['ghost', 'gone']);
    for (const o of all) {
      const x = failed(o);
      assert.equal(x.code, '81013');
      assert.equal(x.retryable, false);
    }
    assert.equal(f.messages.length, 1, 'the all-invalid call sent nothing');
  });

  test('one token serves every send, across two processes sharing Redis', async () => {
    const f = await fake();
    const p1 = clientOf(f, {}, 11);
    const p2 = clientOf(f, {}, 11);
    const outcomes = await Promise.all([
      send(p1, 'ann'),
      send(p2, 'bob'),
      batch(p1, ['cid', 'dan']),
      batch(p2, ['eve']),
    ]);
    assert.ok(outcomes.flat().every((o) => o.ok));
    assert.equal(f.messages.length, 4);
    assert.equal(f.tokenCalls, 1);
  });

  test('an expired token is refreshed exactly once and the sends succeed', async () => {
    const f = await fake();
    const p1 = clientOf(f, {}, 12);
    const p2 = clientOf(f, {}, 12);
    assert.equal((await send(p1, 'ann')).ok, true);
    assert.equal(f.tokenCalls, 1);
    f.expireTokens();
    const outcomes = await Promise.all(
      ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((u, i) => send(i % 2 ? p1 : p2, u)),
    );
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      outcomes.map(() => true),
      JSON.stringify(outcomes),
    );
    assert.ok(f.tokenRefusals >= 1, 'the fake never refused the expired token');
    assert.equal(f.tokenCalls, 2);
    assert.equal(f.messages.length, 7);
  });

  test('a bad secret fails permanently with its code and never shows the secret', async () => {
    const f = await fake();
    const wrong = `wrong-${randomTag()}-${randomTag()}`;
    const c = clientOf(f, { corpSecret: wrong }, 13);
    const o = failed(await send(c, 'ann'));
    assert.equal(o.code, '40001');
    assert.equal(o.retryable, false);
    assert.ok(!o.message.includes(wrong));
    const t = await c.testConnection!();
    assert.equal(t.ok, false);
    assert.ok(!t.ok && t.code === '40001' && !t.message.includes(wrong), JSON.stringify(t));
    assert.deepEqual(await clientOf(f, {}, 14).testConnection!(), { ok: true });
    const badCorp = failed(await send(clientOf(f, { corpId: 'ww-unknown' }, 15), 'ann'));
    assert.equal(badCorp.code, '40013');
    assert.equal(f.messages.length, 0);
  });

  test('WeCom unreachable or busy is a retryable outcome, never a throw', async () => {
    const secretText = `s-${randomTag()}`;
    const down = clientOf(
      await fake(),
      { baseUrl: `http://127.0.0.1:${await freePort()}`, corpSecret: secretText },
      16,
    );
    const o = failed(await send(down, 'ann'));
    assert.equal(o.retryable, true);
    assert.equal(o.code, 'HTTP_CONNECT');
    assert.ok(!o.message.includes(secretText));

    const f = await fake();
    const c = clientOf(f, {}, 17);
    f.failSends(-1);
    const busy = failed(await send(c, 'ann'));
    assert.equal(busy.code, '-1');
    assert.equal(busy.retryable, true);
    f.failSends(45009);
    const slow = failed(await send(c, 'ann'));
    assert.equal(slow.rateLimited, true);
    assert.equal((await send(c, 'ann')).ok, true);
  });

  test('recall: a sent message is recalled by its msgid; an unknown or recalled one is refused', async () => {
    const f = await fake();
    const c = clientOf(f, {}, 18);
    const sent = await send(c, 'ann');
    assert.ok(sent.ok && sent.providerMessageId);
    const req = { messageId: 'm1', providerMessageId: sent.providerMessageId, receiver: 'ann' };
    assert.deepEqual(await c.recall!(req), { ok: true });
    assert.deepEqual(f.recalled, [sent.providerMessageId]);
    const again = await c.recall!(req);
    assert.equal(again.ok, false);
    assert.ok(!again.ok && again.code === '40058', JSON.stringify(again));
    const unknown = await c.recall!({ ...req, providerMessageId: 'no-such-msgid' });
    assert.equal(unknown.ok, false);
  });

  test('a batch over 1000 receivers, @all and a repeated receiver are split into separate calls', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `u${i}`);
    const f = await fake();
    const outcomes = await batch(clientOf(f, {}, 19), many);
    assert.equal(outcomes.length, 1001);
    assert.ok(outcomes.every((o) => o.ok));
    assert.deepEqual(
      f.messages.map((m) => m.touser.length).sort((a, b) => a - b),
      [1, 1000],
    );
    const groups = touserGroups(['ann', '@all', 'bob', 'ANN', 'eve|mallory'].map(delivery));
    assert.deepEqual(groups, [[0, 2], [1], [3]]);
    // A userid holding the separator would name someone else: refused, never sent.
    const before = f.messages.length;
    const [smuggled, fine] = await batch(clientOf(f, {}, 19), ['eve|mallory', 'zoe']);
    assert.equal(failed(smuggled).code, 'INVALID_USER');
    assert.equal(fine?.ok, true);
    assert.deepEqual(
      f.messages.slice(before).map((m) => m.touser),
      [['zoe']],
    );
  });

  test('the content schema reads the text shorthand and enforces WeCom limits', () => {
    const c = wecomApp.content;
    assert.deepEqual(c.parse({ text: 'Hello {$name}' }), { type: 'text', text: 'Hello {$name}' });
    const article = { title: 'A', url: 'https://shop.test/a' };
    assert.equal(c.safeParse({ type: 'news', articles: Array(8).fill(article) }).success, true);
    assert.equal(c.safeParse({ type: 'news', articles: Array(9).fill(article) }).success, false);
    assert.equal(c.safeParse({ type: 'news', articles: [{ title: 'no link' }] }).success, false);
    // 43 CJK characters are 129 UTF-8 bytes: over textcard's 128-byte title.
    const card = { type: 'textcard', description: 'd', url: 'https://shop.test/o/1' };
    assert.equal(c.safeParse({ ...card, title: '单'.repeat(42) }).success, true);
    assert.equal(c.safeParse({ ...card, title: '单'.repeat(43) }).success, false);
    assert.equal(c.safeParse({ type: 'template_card', card: { card_type: 'text_notice' } }).success, true);
    assert.equal(c.safeParse({ type: 'template_card', card: { card_type: 'poster' } }).success, false);
    assert.equal(c.safeParse({ type: 'text', text: '' }).success, false);
  });

  test('the config schema marks corpSecret writeOnly and reads agentId from a string', () => {
    const schema = jsonSchemaOf(wecomApp.config) as { properties: Record<string, { writeOnly?: boolean }> };
    assert.equal(schema.properties.corpSecret?.writeOnly, true);
    assert.equal(schema.properties.corpId?.writeOnly, undefined);
    const cfg = wecomApp.config.parse({ corpId: 'ww1', corpSecret: 's', agentId: '1000002' });
    assert.equal(cfg.agentId, 1000002);
    assert.equal(cfg.baseUrl, 'https://qyapi.weixin.qq.com');
    assert.equal(
      wecomApp.config.safeParse({ corpId: 'ww1', corpSecret: 's', agentId: 1, x: 1 }).success,
      false,
    );
    assert.equal(
      wecomApp.config.safeParse({ corpId: 'ww1', corpSecret: 's', agentId: 'abc' }).success,
      false,
    );
  });
});
