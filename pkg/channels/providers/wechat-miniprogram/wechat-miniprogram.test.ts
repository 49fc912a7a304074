import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../../../domain/delivery.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import { fakeOpenId } from '../wechat-api/fake.ts';
import { SUBSCRIBE_SEND_PATH } from './client.ts';
import type { WechatMiniprogramContent } from './content.ts';
import { wechatMiniprogram } from './definition.ts';
import {
  startWechatMiniprogramFake,
  type WechatMiniprogramFake,
  type WechatMiniprogramFakeOptions,
} from './fake.ts';

/**
 * The mini program provider against its fake (a real local HTTP server checking tokens,
 * openids, templates, keyword rules, pages and the users' subscriptions as WeChat does), with
 * the kit's real token cache in Redis. Two clients of one account on one Redis stand for two
 * handler processes.
 */
describe('WeChat mini program subscribe messages (wechat_miniprogram/wechat)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const fakes: WechatMiniprogramFake[] = [];
  /** Every outcome any test got, checked at the end for secrets and tokens. */
  const seen: SendOutcome[] = [];
  let account = 300;

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

  const fake = async (opts: WechatMiniprogramFakeOptions = {}) => {
    const f = await startWechatMiniprogramFake({
      pages: ['pages/index/index', 'pages/order/index'],
      ...opts,
    });
    fakes.push(f);
    return f;
  };
  const clientOf = (f: WechatMiniprogramFake, over: Record<string, unknown> = {}, accountId = ++account) =>
    wechatMiniprogram.create(
      wechatMiniprogram.config.parse({ appId: f.appId, appSecret: f.appSecret, baseUrl: f.baseUrl, ...over }),
      createKit({ redis: r.redis, keys: r.keys, accountId, http, publicHttp: http }),
      { id: accountId, channel: 'wechat_miniprogram', provider: 'wechat' },
    ) as ProviderClient<WechatMiniprogramContent>;

  const contentOf = (
    f: WechatMiniprogramFake,
    over: Record<string, unknown> = {},
  ): WechatMiniprogramContent =>
    wechatMiniprogram.content.parse({
      templateId: f.templateId,
      data: { thing1: '拿铁咖啡', phrase2: '已发货', time3: '2026-01-01 15:01' },
      ...over,
    });
  /** A user who subscribed `times` times to the fake's template. */
  const subscriber = (f: WechatMiniprogramFake, times = 1) => {
    const openid = fakeOpenId();
    f.subscribe(openid, f.templateId, times);
    return openid;
  };
  const delivery = (receiver: string): Delivery =>
    testDelivery({ id: `m${randomTag()}`, channel: 'wechat_miniprogram', receiver });
  const send = async (
    c: ProviderClient<WechatMiniprogramContent>,
    content: WechatMiniprogramContent,
    to: string,
  ) => {
    const o = await c.send({
      delivery: delivery(to),
      template: testTemplate({ channel: 'wechat_miniprogram' }),
      content,
    });
    seen.push(o);
    return o;
  };
  const failed = (o: SendOutcome): SendFailure => {
    assert.ok(!o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };

  test('a subscribe message as WeChat takes it, state and language always sent', async () => {
    const f = await fake();
    const ann = subscriber(f);
    const o = await send(clientOf(f), contentOf(f, { page: 'pages/order/index?id=7' }), ann);
    const [m] = f.messages;
    assert.deepEqual(o, { ok: true, providerMessageId: m!.msgid });
    assert.match(m!.msgid, /^\d{19}$/);
    assert.deepEqual(m!.body, {
      touser: ann,
      template_id: f.templateId,
      page: 'pages/order/index?id=7',
      data: {
        thing1: { value: '拿铁咖啡' },
        phrase2: { value: '已发货' },
        time3: { value: '2026-01-01 15:01' },
      },
      miniprogram_state: 'formal',
      lang: 'zh_CN',
    });
    const bob = subscriber(f);
    await send(clientOf(f), contentOf(f, { miniprogramState: 'trial', lang: 'en_US' }), bob);
    assert.deepEqual(
      [f.messages[1]!.body.miniprogram_state, f.messages[1]!.body.lang, 'page' in f.messages[1]!.body],
      ['trial', 'en_US', false],
    );
  });

  test('43101: a one-time grant allows one message; the next is permanent, never retried or failed over', async () => {
    const f = await fake();
    const c = clientOf(f);
    const ann = subscriber(f);
    assert.equal((await send(c, contentOf(f), ann)).ok, true);
    assert.equal(f.grantsLeft(ann, f.templateId), 0);
    const o = failed(await send(c, contentOf(f), ann));
    assert.deepEqual(
      [o.code, o.retryable, o.failover, o.rateLimited],
      ['43101', false, undefined, undefined],
    );
    assert.match(o.message, /user refuse to accept the msg/);
    // Never subscribed at all: the same.
    assert.equal(failed(await send(c, contentOf(f), fakeOpenId())).code, '43101');
    // Subscribed twice: two messages.
    const bob = subscriber(f, 2);
    assert.equal((await send(c, contentOf(f), bob)).ok, true);
    assert.equal((await send(c, contentOf(f), bob)).ok, true);
    assert.equal(failed(await send(c, contentOf(f), bob)).code, '43101');
    assert.equal(f.messages.length, 3);
  });

  test('openid, template, keyword and page refusals are permanent; a refused send uses no grant', async () => {
    const f = await fake();
    const c = clientOf(f);
    const ann = subscriber(f);
    const cases: [string, WechatMiniprogramContent, string, RegExp?][] = [
      ['notAnOpenid', contentOf(f), '40003'],
      [ann, contentOf(f, { templateId: 'unknownTemplate' }), '40037'],
      [
        ann,
        contentOf(f, { data: { thing1: 'Tea', phrase2: '正在配送中的', time3: '15:01' } }),
        '47003',
        /data\.phrase2\.value/,
      ],
      [
        ann,
        contentOf(f, { data: { thing1: '字'.repeat(21), phrase2: '已发货', time3: '15:01' } }),
        '47003',
        /thing1/,
      ],
      [ann, contentOf(f, { data: { thing1: 'Tea', phrase2: '已发货' } }), '47003', /time3/],
      [ann, contentOf(f, { page: 'pages/missing/index' }), '41030'],
    ];
    for (const [to, content, code, msg] of cases) {
      const o = failed(await send(c, content, to));
      assert.deepEqual([o.code, o.retryable, o.failover], [code, false, undefined], JSON.stringify(o));
      if (msg) assert.match(o.message, msg);
    }
    assert.equal(f.grantsLeft(ann, f.templateId), 1);
    // The released build's pages are checked; a developer build opens what it has.
    assert.equal(
      (await send(c, contentOf(f, { page: 'pages/missing/index', miniprogramState: 'developer' }), ann)).ok,
      true,
    );
    const before = f.calls(SUBSCRIBE_SEND_PATH);
    assert.equal(failed(await send(c, contentOf(f), 'a@x.com')).code, 'INVALID_OPENID');
    assert.equal(f.calls(SUBSCRIBE_SEND_PATH), before);
  });

  test('documented errcodes: 45009 waits for the daily reset, busy retries, the account codes fail over', async () => {
    const f = await fake();
    const c = clientOf(f);
    const ann = subscriber(f, 10);
    f.failNext({ errcode: 45009, errmsg: 'reach max api daily quota limit' });
    const quota = failed(await send(c, contentOf(f), ann));
    assert.deepEqual([quota.code, quota.rateLimited, quota.retryable], ['45009', true, true]);
    assert.ok(quota.retryAfterMs! > 0 && quota.retryAfterMs! <= 86_400_000);
    f.failNext({ errcode: -1, errmsg: 'system error' });
    assert.equal(failed(await send(c, contentOf(f), ann)).retryable, true);
    f.failNext({ errcode: 40164, errmsg: 'invalid ip' });
    const ip = failed(await send(c, contentOf(f), ann));
    assert.deepEqual([ip.retryable, ip.failover], [false, true]);
    assert.equal((await send(c, contentOf(f), ann)).ok, true);
    assert.equal(f.grantsLeft(ann, f.templateId), 9, 'only the accepted send used a grant');
  });

  test('an expired token mid-run costs exactly one refresh across two clients sharing Redis', async () => {
    const f = await fake();
    const p1 = clientOf(f, {}, 350);
    const p2 = clientOf(f, {}, 350);
    const users = Array.from({ length: 12 }, () => subscriber(f));
    assert.equal((await send(p1, contentOf(f), users[0]!)).ok, true);
    assert.equal((await send(p2, contentOf(f), users[1]!)).ok, true);
    assert.equal(f.tokenCalls, 1);
    f.delay(30);
    const inFlight = users.slice(2, 7).map((u, i) => send(i % 2 ? p1 : p2, contentOf(f), u));
    f.expireTokens();
    const outcomes = await Promise.all([
      ...inFlight,
      ...users.slice(7).map((u, i) => send(i % 2 ? p2 : p1, contentOf(f), u)),
    ]);
    assert.ok(
      outcomes.every((o) => o.ok),
      JSON.stringify(outcomes.filter((o) => !o.ok)),
    );
    assert.ok(f.tokenRefusals >= 1, 'the fake never refused the expired token');
    assert.equal(f.tokenCalls, 2);
    assert.equal(f.messages.length, 12);
  });

  test('testConnection and credentials: a fresh stable_token, refusals named without the secret', async () => {
    const f = await fake();
    assert.deepEqual(await clientOf(f).testConnection!(), { ok: true });
    const wrong = `x${randomTag()}${randomTag()}`;
    const t = await clientOf(f, { appSecret: wrong }).testConnection!();
    assert.ok(!t.ok && t.code === '40125' && !t.message.includes(wrong), JSON.stringify(t));
    const o = failed(await send(clientOf(f, { appSecret: wrong }), contentOf(f), subscriber(f)));
    assert.deepEqual([o.code, o.retryable, o.failover], ['40125', false, true]);
    assert.equal(f.messages.length, 0);
    assert.equal(f.forceRefreshes, 0);
  });

  test('the content schema: defaults, states, languages, pages', () => {
    const c = wechatMiniprogram.content;
    const base = { templateId: 'vZiztnFZqPuRrh7haFyJODqQ6LTtsmXviPAJdS-tjyE', data: { thing1: '{$item}' } };
    assert.deepEqual(c.parse(base), { ...base, miniprogramState: 'formal', lang: 'zh_CN' });
    // Parsing the parsed content again gives it back (stored templates are re-read after rendering).
    assert.deepEqual(c.parse(c.parse(base)), c.parse(base));
    assert.equal(c.safeParse({ ...base, miniprogramState: 'beta' }).success, false);
    assert.equal(c.safeParse({ ...base, lang: 'fr_FR' }).success, false);
    assert.equal(c.safeParse({ ...base, page: 'pages/order/index?id={$order}' }).success, true);
    assert.equal(c.safeParse({ ...base, page: 'two words' }).success, false);
    assert.equal(c.safeParse({ ...base, url: 'https://x.test' }).success, false);
    assert.equal(wechatMiniprogram.channel, 'wechat_miniprogram');
    assert.equal(wechatMiniprogram.provider, 'wechat');
    assert.deepEqual(wechatMiniprogram.receivers, ['open_id']);
    assert.deepEqual(wechatMiniprogram.capabilities, { testConnection: true });
    assert.equal(wechatMiniprogram.errors['43101'], 'permanent');
  });
});
