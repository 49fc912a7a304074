import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../../../domain/delivery.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import { STABLE_TOKEN_PATH } from '../wechat-api/api.ts';
import { fakeOpenId } from '../wechat-api/fake.ts';
import { TEMPLATE_SEND_PATH } from './client.ts';
import type { WechatOfficialContent } from './content.ts';
import { wechatOfficial } from './definition.ts';
import { startWechatOfficialFake, type WechatOfficialFake, type WechatOfficialFakeOptions } from './fake.ts';

/**
 * The official-account provider against its fake (a real local HTTP server checking tokens,
 * openids, followers, templates and keyword rules as WeChat does), with the kit's real token
 * cache in Redis. Two clients of one account on one Redis stand for two handler processes.
 */
describe('WeChat official account template messages (wechat_official/wechat)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const fakes: WechatOfficialFake[] = [];
  /** Every outcome any test got, checked at the end for secrets and tokens. */
  const seen: SendOutcome[] = [];
  let account = 200;

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
  });
  after(async () => {
    const tokens = fakes.flatMap((f) => f.requests.map((q) => q.query.access_token ?? '')).filter(Boolean);
    const secrets = fakes.map((f) => f.appSecret);
    for (const o of seen) {
      if (o.ok) continue;
      for (const s of [...secrets, ...tokens]) assert.ok(!o.message.includes(s), `secret in ${o.message}`);
    }
    for (const f of fakes) await f.close();
    await http.close();
    await r.cleanup();
  });

  const ann = fakeOpenId();
  const bob = fakeOpenId();
  const fake = async (opts: WechatOfficialFakeOptions = {}) => {
    const f = await startWechatOfficialFake({ followers: [ann, bob], ...opts });
    fakes.push(f);
    return f;
  };
  const clientOf = (f: WechatOfficialFake, over: Record<string, unknown> = {}, accountId = ++account) =>
    wechatOfficial.create(
      wechatOfficial.config.parse({ appId: f.appId, appSecret: f.appSecret, baseUrl: f.baseUrl, ...over }),
      createKit({ redis: r.redis, keys: r.keys, accountId, http, publicHttp: http }),
      { id: accountId, channel: 'wechat_official', provider: 'wechat' },
    ) as ProviderClient<WechatOfficialContent>;

  const contentOf = (
    f: WechatOfficialFake,
    over: Partial<WechatOfficialContent> = {},
  ): WechatOfficialContent =>
    wechatOfficial.content.parse({
      templateId: f.templateId,
      data: { thing1: '订单已发货', character_string2: 'SO-2026-0001', time3: '2026年1月1日 15:01' },
      ...over,
    });
  const delivery = (receiver: string): Delivery =>
    testDelivery({ id: `m${randomTag()}`, channel: 'wechat_official', receiver });
  const send = async (
    c: ProviderClient<WechatOfficialContent>,
    content: WechatOfficialContent,
    d: Delivery,
  ) => {
    const o = await c.send({ delivery: d, template: testTemplate({ channel: 'wechat_official' }), content });
    seen.push(o);
    return o;
  };
  const failed = (o: SendOutcome): SendFailure => {
    assert.ok(!o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };

  test('a template message as WeChat takes it, its 64-bit msgid the providerMessageId', async () => {
    const f = await fake();
    const d = delivery(ann);
    const content = contentOf(f, {
      url: 'https://shop.example.com/o/7',
      miniprogram: { appid: 'wx1234567890abcdef', pagepath: 'pages/order?id=7' },
    });
    const o = await send(clientOf(f), content, d);
    assert.equal(f.messages.length, 1);
    const [m] = f.messages;
    assert.deepEqual(o, { ok: true, providerMessageId: m!.msgid });
    assert.match(m!.msgid, /^\d{19}$/);
    assert.deepEqual(m!.body, {
      touser: ann,
      template_id: f.templateId,
      url: 'https://shop.example.com/o/7',
      miniprogram: { appid: 'wx1234567890abcdef', pagepath: 'pages/order?id=7' },
      client_msg_id: d.id,
      data: {
        thing1: { value: '订单已发货' },
        character_string2: { value: 'SO-2026-0001' },
        time3: { value: '2026年1月1日 15:01' },
      },
    });
    // Without jump fields none are sent.
    await send(clientOf(f), contentOf(f), delivery(bob));
    assert.deepEqual(Object.keys(f.messages[1]!.body).sort(), [
      'client_msg_id',
      'data',
      'template_id',
      'touser',
    ]);
  });

  test('receiver, template and keyword refusals are permanent and never fail over', async () => {
    const f = await fake();
    const c = clientOf(f);
    const cases: [string, WechatOfficialContent, string][] = [
      ['shortOpenid', contentOf(f), '40003'],
      [fakeOpenId(), contentOf(f), '43004'],
      [ann, contentOf(f, { templateId: 'no-such-template' }), '40037'],
      [
        ann,
        contentOf(f, { data: { thing1: '字'.repeat(21), character_string2: 'A', time3: '15:01' } }),
        '47003',
      ],
      [ann, contentOf(f, { data: { thing1: 'Tea', time3: '15:01' } }), '47003'],
      [ann, contentOf(f, { data: { thing1: 'Tea', character_string2: '单号', time3: '15:01' } }), '47003'],
    ];
    for (const [receiver, content, code] of cases) {
      const o = failed(await send(c, content, delivery(receiver)));
      assert.deepEqual([o.code, o.retryable, o.failover], [code, false, undefined], JSON.stringify(o));
    }
    const named = failed(
      await send(
        c,
        contentOf(f, { data: { thing1: '字'.repeat(21), character_string2: 'A', time3: '1:00' } }),
        delivery(ann),
      ),
    );
    assert.match(named.message, /data\.thing1\.value/);
    // Not an openid at all: refused before any call.
    const before = f.calls(TEMPLATE_SEND_PATH);
    assert.equal(failed(await send(c, contentOf(f), delivery('a@x.com'))).code, 'INVALID_OPENID');
    assert.equal(f.calls(TEMPLATE_SEND_PATH), before);
    assert.equal(f.messages.length, 0);
  });

  test('documented errcodes: busy retries, quotas wait for their reset, the account codes fail over', async () => {
    const f = await fake();
    const c = clientOf(f);
    const expect: [number, string, Partial<SendFailure>][] = [
      [-1, 'system error', { retryable: true, failover: true }],
      [45009, 'reach max api daily quota limit', { retryable: true, rateLimited: true, failover: true }],
      [45011, 'api minute-quota reach limit', { retryable: true, rateLimited: true }],
      [40164, 'invalid ip, not in whitelist', { retryable: false, failover: true }],
      [48001, 'api unauthorized', { retryable: false, failover: true }],
      [43116, 'template restricted', { retryable: false, failover: true }],
      [43019, 'require remove blacklist', { retryable: false, failover: undefined }],
    ];
    for (const [errcode, errmsg, want] of expect) {
      f.failNext({ errcode, errmsg });
      const o = failed(await send(c, contentOf(f), delivery(ann)));
      assert.equal(o.code, String(errcode));
      for (const [k, v] of Object.entries(want))
        assert.equal(o[k as keyof SendFailure], v, `${errcode} ${k}`);
      if (errcode === 45009) assert.ok(o.retryAfterMs! > 0 && o.retryAfterMs! <= 86_400_000);
    }
    f.failNext({ status: 503 });
    assert.equal(failed(await send(c, contentOf(f), delivery(ann))).retryable, true);
    assert.equal((await send(c, contentOf(f), delivery(ann))).ok, true);
  });

  test('client_msg_id: a retry of a send WeChat took reaches the user once, with the same msgid', async () => {
    const f = await fake();
    const c = clientOf(f, { timeoutMs: 300 });
    const d = delivery(ann);
    // The answer is lost: the send is in doubt and retried on this account only.
    f.delay(1500);
    const lost = failed(await send(c, contentOf(f), d));
    assert.deepEqual([lost.code, lost.inDoubt, lost.failover], ['HTTP_TIMEOUT', true, undefined]);
    f.delay(0);
    const retried = await send(c, contentOf(f), d);
    assert.equal(f.messages.length, 1);
    assert.deepEqual(retried, { ok: true, providerMessageId: f.messages[0]!.msgid });
    // The global table's "already exists" answer reads as sent too.
    const g = await fake({ duplicateAnswer: '45065' });
    const gc = clientOf(g);
    const d2 = delivery(bob);
    const first = await send(gc, contentOf(g), d2);
    assert.deepEqual(await send(gc, contentOf(g), d2), first);
    assert.equal(g.messages.length, 1);
  });

  test('an expired token mid-run costs exactly one refresh across two clients sharing Redis', async () => {
    const f = await fake();
    const p1 = clientOf(f, {}, 250);
    const p2 = clientOf(f, {}, 250);
    assert.equal((await send(p1, contentOf(f), delivery(ann))).ok, true);
    assert.equal((await send(p2, contentOf(f), delivery(bob))).ok, true);
    assert.equal(f.tokenCalls, 1, 'the second client used the shared token');
    f.delay(30);
    const inFlight = Array.from({ length: 8 }, (_, i) =>
      send(i % 2 ? p1 : p2, contentOf(f), delivery(i % 3 ? ann : bob)),
    );
    f.expireTokens();
    const outcomes = await Promise.all([
      ...inFlight,
      ...Array.from({ length: 8 }, (_, i) => send(i % 2 ? p2 : p1, contentOf(f), delivery(bob))),
    ]);
    assert.ok(
      outcomes.every((o) => o.ok),
      JSON.stringify(outcomes.filter((o) => !o.ok)),
    );
    assert.ok(f.tokenRefusals >= 1, 'the fake never refused the expired token');
    assert.equal(f.tokenCalls, 2);
    assert.equal(f.messages.length, 18);
    assert.equal(f.forceRefreshes, 0);
  });

  test('a token invalidated elsewhere (40001) is refreshed once; a wrong secret never sends', async () => {
    const f = await fake();
    const c = clientOf(f);
    assert.equal((await send(c, contentOf(f), delivery(ann))).ok, true);
    f.invalidateTokens();
    assert.equal((await send(c, contentOf(f), delivery(ann))).ok, true);
    assert.equal(f.tokenCalls, 2);
    const wrong = `x${randomTag()}${randomTag()}`;
    const bad = failed(await send(clientOf(f, { appSecret: wrong }), contentOf(f), delivery(ann)));
    assert.deepEqual([bad.code, bad.retryable, bad.failover], ['40125', false, true]);
    assert.ok(!bad.message.includes(wrong));
    assert.equal(f.messages.length, 2);
  });

  test('testConnection: a fresh stable_token proves the credentials', async () => {
    const f = await fake();
    assert.deepEqual(await clientOf(f).testConnection!(), { ok: true });
    const t = await clientOf(f, { appId: 'wx0000000000000000' }).testConnection!();
    assert.ok(!t.ok && t.code === '40013', JSON.stringify(t));
    const req = f.requests.find((q) => q.path === STABLE_TOKEN_PATH);
    assert.ok(req);
    assert.equal((req.json() as { force_refresh?: unknown }).force_refresh, false);
    assert.equal(f.calls(TEMPLATE_SEND_PATH), 0);
  });

  test('the content schema: keywords plain or as { value }, http(s) links, a mini program AppID', () => {
    const c = wechatOfficial.content;
    const base = {
      templateId: 'ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY',
      data: { thing1: { value: '{$item}' } },
    };
    assert.deepEqual(c.parse(base).data, { thing1: '{$item}' });
    assert.equal(c.safeParse({ ...base, url: 'https://shop.example.com/o/{$order}' }).success, true);
    assert.equal(c.safeParse({ ...base, url: 'javascript:alert(1)' }).success, false);
    assert.equal(c.safeParse({ ...base, miniprogram: { appid: 'wx1234567890abcdef' } }).success, true);
    assert.equal(c.safeParse({ ...base, miniprogram: { appid: 'not-an-appid' } }).success, false);
    assert.equal(c.safeParse({ ...base, templateId: 'has space' }).success, false);
    assert.equal(c.safeParse({ ...base, color: '#FF0000' }).success, false);
    assert.equal(c.safeParse({ templateId: base.templateId, data: {} }).success, false);
    assert.equal(wechatOfficial.channel, 'wechat_official');
    assert.equal(wechatOfficial.provider, 'wechat');
    assert.deepEqual(wechatOfficial.receivers, ['open_id']);
    assert.deepEqual(wechatOfficial.capabilities, { testConnection: true });
    assert.ok(Object.isFrozen(wechatOfficial) && Object.isFrozen(wechatOfficial.errors));
  });
});
