import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort, randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { SendFailure } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import { jsonSchemaOf } from '../../secret.ts';
import { type CallResult, fetchStableToken, msgidOf, STABLE_TOKEN_PATH, TokenFetchError } from './api.ts';
import { wechatApi } from './client.ts';
import { WECHAT_BASE_URL, wechatConfig } from './config.ts';
import { isOpenId, keywordData, toWechatData } from './data.ts';
import { retryAfterOf, WECHAT_COMMON_ERRORS } from './errors.ts';
import { newMsgid, sentReply, startWechatFake, type WechatFake } from './fake.ts';
import { keywordValueOk } from './fake-rules.ts';

/**
 * The shared WeChat API layer against the fake base: stable_token in normal mode through the
 * kit's real token cache in Redis, the call/answer conventions (errcodes, 64-bit msgids,
 * transport failures), and the 40001 rule of §9.3. A test route `/cgi-bin/test/send` stands for
 * a provider's send.
 */
const SEND = '/cgi-bin/test/send';

describe('WeChat API layer (wechat-api)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const fakes: WechatFake[] = [];
  let account = 100;

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await r.cleanup();
  });

  const fake = async (opts: Parameters<typeof startWechatFake>[0] = {}) => {
    const f = await startWechatFake(opts, { [SEND]: () => sentReply(newMsgid()) });
    fakes.push(f);
    return f;
  };
  const configOf = (f: WechatFake, over: Record<string, unknown> = {}) =>
    wechatConfig.parse({ appId: f.appId, appSecret: f.appSecret, baseUrl: f.baseUrl, ...over });
  const kitOf = (accountId: number, now?: () => number) =>
    createKit({ redis: r.redis, keys: r.keys, accountId, http, publicHttp: http, ...(now ? { now } : {}) });
  const apiOf = (f: WechatFake, over: Record<string, unknown> = {}, accountId = ++account) =>
    wechatApi(configOf(f, over), kitOf(accountId), WECHAT_COMMON_ERRORS);
  const failed = (o: CallResult): SendFailure => {
    assert.ok(!o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };

  test('a 64-bit msgid is read from the answer text, not rounded through a double', () => {
    const body = '{"errcode":0,"errmsg":"ok","msgid":1988810812324364291}';
    assert.equal(msgidOf(body), '1988810812324364291');
    assert.notEqual(String((JSON.parse(body) as { msgid: number }).msgid), '1988810812324364291');
    assert.equal(msgidOf('{"errcode":45065,"errmsg":"clientmsgid exist","msg_id":1000000001}'), '1000000001');
    assert.equal(msgidOf('{"errcode":0,"errmsg":"ok"}'), undefined);
    assert.match(newMsgid(), /^\d{19}$/);
  });

  test('quota errcodes hold off until their reset', () => {
    assert.equal(retryAfterOf('45011', Date.parse('2026-01-01T00:00:45Z')), 15_000);
    // 15:00 UTC is 23:00 in Beijing: the daily quota resets in one hour.
    assert.equal(retryAfterOf('45009', Date.parse('2026-01-01T15:00:00Z')), 3_600_000);
    assert.equal(retryAfterOf('45009', Date.parse('2026-01-01T16:00:00Z')), 24 * 3_600_000);
    assert.equal(retryAfterOf('45066', 0), 60_000);
    assert.equal(retryAfterOf('-1', 0), undefined);
  });

  test('stable_token: the documented body, normal mode, the same token within its life', async () => {
    let clock = Date.now();
    const f = await fake({ now: () => clock });
    const kit = { http, now: () => clock };
    const first = await fetchStableToken(kit, configOf(f), WECHAT_COMMON_ERRORS);
    const req = f.requests.find((x) => x.path === STABLE_TOKEN_PATH)!;
    assert.equal(req.method, 'POST');
    assert.match(req.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(req.json(), {
      grant_type: 'client_credential',
      appid: f.appId,
      secret: f.appSecret,
      force_refresh: false,
    });
    assert.equal(first.expiresInMs, 7_200_000);
    clock += 3600_000;
    const again = await fetchStableToken(kit, configOf(f), WECHAT_COMMON_ERRORS);
    assert.equal(again.token, first.token);
    assert.equal(again.expiresInMs, 3_600_000);
    // Inside the last 5 minutes WeChat hands out the next token.
    clock += 3400_000;
    const next = await fetchStableToken(kit, configOf(f), WECHAT_COMMON_ERRORS);
    assert.notEqual(next.token, first.token);
    assert.equal(f.forceRefreshes, 0);
  });

  test('stable_token refusals: AppID and AppSecret are the account, busy is retryable, no secret shown', async () => {
    const f = await fake();
    const wrong = `bad-${randomTag()}${randomTag()}`;
    const refusal = async (over: Record<string, unknown>) => {
      const err = await fetchStableToken(
        { http, now: Date.now },
        configOf(f, over),
        WECHAT_COMMON_ERRORS,
      ).then(
        () => assert.fail('the fetch succeeded'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TokenFetchError);
      return err.failure;
    };
    const secret = await refusal({ appSecret: wrong });
    assert.equal(secret.code, '40125');
    assert.equal(secret.retryable, false);
    assert.equal(secret.failover, true);
    assert.ok(!secret.message.includes(wrong));
    assert.equal((await refusal({ appId: 'wx0000000000000000' })).code, '40013');
    f.failNext(
      { errcode: 40164, errmsg: 'invalid ip 1.2.3.4, not in whitelist' },
      { path: STABLE_TOKEN_PATH },
    );
    const ip = await refusal({});
    assert.equal(ip.code, '40164');
    assert.equal(ip.retryable, false);
    // A token code from the token call itself cannot mean "refresh": it is the credentials.
    f.failNext({ errcode: 40001 }, { path: STABLE_TOKEN_PATH });
    const cred = await refusal({});
    assert.equal(cred.code, '40001');
    assert.equal(cred.tokenExpired, undefined);
    assert.equal(cred.retryable, false);
    f.failNext({ errcode: -1, errmsg: 'system error' }, { path: STABLE_TOKEN_PATH });
    assert.equal((await refusal({})).retryable, true);
    f.failNext({ status: 200, body: '<html>gateway</html>' }, { path: STABLE_TOKEN_PATH });
    assert.equal((await refusal({})).code, 'BAD_RESPONSE');
  });

  test('an expired token is refreshed once and the call made once more; the msgid comes back exact', async () => {
    const f = await fake();
    const api = apiOf(f);
    const ok = await api.post(SEND, { x: 1 }, { sending: true });
    assert.ok(ok.ok && /^\d{19}$/.test(ok.msgid ?? ''), JSON.stringify(ok));
    f.expireTokens();
    assert.equal((await api.post(SEND, { x: 2 })).ok, true);
    assert.equal(f.tokenCalls, 2);
    assert.equal(f.tokenRefusals, 1);
    // The call went with the token in the query string, as WeChat takes it.
    const sends = f.requests.filter((x) => x.path === SEND);
    assert.equal(sends.length, 3);
    assert.notEqual(sends[0]!.query.access_token, sends[2]!.query.access_token);
  });

  test('40001 (§9.3): a fresh token once; when it repeats, the account, not another round', async () => {
    const f = await fake();
    const api = apiOf(f);
    assert.equal((await api.post(SEND, {})).ok, true);
    // Someone force-refreshed elsewhere: the held token is "not latest".
    f.invalidateTokens();
    assert.equal((await api.post(SEND, {})).ok, true);
    assert.equal(f.tokenCalls, 2);
    f.failAlways({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
    const o = failed(await api.post(SEND, {}));
    assert.equal(o.code, '40001');
    assert.equal(o.retryable, false);
    assert.equal(o.tokenExpired, undefined);
    assert.equal(o.failover, true);
    assert.equal(f.tokenCalls, 3, 'one refresh for the repeated 40001');
    f.recover();
  });

  test('errcodes are classified by the table, quotas carry their Retry-After', async () => {
    const f = await fake();
    const api = apiOf(f);
    f.failNext({ errcode: -1, errmsg: 'system error' });
    const busy = failed(await api.post(SEND, {}));
    assert.deepEqual([busy.code, busy.retryable, busy.failover], ['-1', true, true]);
    f.failNext({ errcode: 45011, errmsg: 'api minute-quota reach limit' });
    const minute = failed(await api.post(SEND, {}));
    assert.equal(minute.rateLimited, true);
    assert.ok(minute.retryAfterMs! > 0 && minute.retryAfterMs! <= 60_000);
    f.failNext({ errcode: 48001, errmsg: 'api unauthorized' });
    const perm = failed(await api.post(SEND, {}));
    assert.deepEqual([perm.retryable, perm.failover], [false, true]);
    f.failNext({ errcode: 99999 });
    const unknown = failed(await api.post(SEND, {}));
    assert.deepEqual([unknown.code, unknown.retryable, unknown.failover], ['99999', false, undefined]);
    f.failNext({ status: 502, body: 'bad gateway' });
    const gateway = failed(await api.post(SEND, {}));
    assert.deepEqual([gateway.code, gateway.retryable, gateway.message], ['HTTP_502', true, 'bad gateway']);
    f.failNext({ status: 429 });
    assert.equal(failed(await api.post(SEND, {})).rateLimited, true);
  });

  test('transport: refused is retryable and may fail over; a timeout or an unreadable answer to a send is in doubt', async () => {
    const secretText = `s-${randomTag()}${randomTag()}`;
    const down = apiOf(await fake(), {
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      appSecret: secretText,
    });
    const refused = failed(await down.post(SEND, {}));
    assert.deepEqual([refused.code, refused.retryable, refused.failover], ['HTTP_CONNECT', true, true]);
    assert.ok(!refused.message.includes(secretText));

    const f = await fake();
    const api = apiOf(f, { timeoutMs: 300 });
    assert.equal((await api.post(SEND, {})).ok, true);
    f.delay(2000);
    const slow = failed(await api.post(SEND, {}, { sending: true }));
    assert.deepEqual([slow.code, slow.inDoubt, slow.failover], ['HTTP_TIMEOUT', true, undefined]);
    f.delay(0);
    f.failNext({ status: 200, body: 'not json' });
    const garbled = failed(await api.post(SEND, {}, { sending: true }));
    assert.deepEqual([garbled.code, garbled.inDoubt, garbled.retryable], ['BAD_RESPONSE', true, true]);
    f.failNext({ reset: true });
    assert.equal(failed(await api.post(SEND, {}, { sending: true })).inDoubt, true);
  });

  test('testConnection fetches a fresh token (never force_refresh) and names the refusal', async () => {
    const f = await fake();
    const api = apiOf(f);
    assert.equal((await api.post(SEND, {})).ok, true);
    assert.deepEqual(await api.testConnection(), { ok: true });
    assert.equal(f.tokenCalls, 2, 'not the cached token');
    const wrong = `w${randomTag()}`;
    const bad = await apiOf(f, { appSecret: wrong }).testConnection();
    assert.ok(!bad.ok && bad.code === '40125' && !bad.message.includes(wrong), JSON.stringify(bad));
    assert.equal(f.forceRefreshes, 0);
  });

  test('keyword value rules of the fakes follow the documented table', () => {
    assert.equal(keywordValueOk('thing1', '字'.repeat(20)), true);
    assert.equal(keywordValueOk('thing1', '字'.repeat(21)), false);
    assert.equal(keywordValueOk('phrase2', '配送中'), true);
    assert.equal(keywordValueOk('phrase2', '正在配送中的'), false);
    assert.equal(keywordValueOk('phrase2', 'ok'), false);
    assert.equal(keywordValueOk('character_string21', '测试单号'), false);
    assert.equal(keywordValueOk('character_string21', 'SO-2026-0001'), true);
    assert.equal(keywordValueOk('amount3', '3.00'), false);
    assert.equal(keywordValueOk('amount3', '¥99.00'), true);
    assert.equal(keywordValueOk('number1', '339208499'), true);
    assert.equal(keywordValueOk('number1', '12a'), false);
    assert.equal(keywordValueOk('phone_number3', '+86-0766-66888866'), true);
    assert.equal(keywordValueOk('car_number1', '粤A8Z888挂'), true);
    assert.equal(keywordValueOk('name1', '张三'), true);
    assert.equal(keywordValueOk('name1', '很长很长很长很长很长的名'), false);
    assert.equal(keywordValueOk('time2', '2019年10月1日 15:01'), true);
    assert.equal(keywordValueOk('time2', '明天'), false);
    assert.equal(keywordValueOk('thing1', 'two\nlines'), false);
    assert.equal(keywordValueOk('keyword1', 'a legacy value longer than twenty characters'), true);
    assert.equal(keywordValueOk('thing1', ''), false);
  });

  test('config and content pieces', () => {
    const schema = jsonSchemaOf(wechatConfig) as { properties: Record<string, { writeOnly?: boolean }> };
    assert.equal(schema.properties.appSecret?.writeOnly, true);
    assert.equal(schema.properties.appId?.writeOnly, undefined);
    const cfg = wechatConfig.parse({ appId: 'wx1234567890abcdef', appSecret: 's' });
    assert.equal(cfg.baseUrl, WECHAT_BASE_URL);
    assert.equal(cfg.timeoutMs, 10_000);
    assert.equal(wechatConfig.safeParse({ appId: '0123456789abcdef0123', appSecret: 's' }).success, false);
    assert.equal(
      wechatConfig.safeParse({ appId: 'wx1234567890abcdef', appSecret: 's', x: 1 }).success,
      false,
    );
    assert.deepEqual(keywordData.parse({ thing1: '{$item}', amount2: { value: '¥9.80' } }), {
      thing1: '{$item}',
      amount2: '¥9.80',
    });
    assert.equal(keywordData.safeParse({}).success, false);
    assert.equal(keywordData.safeParse({ thing1: '' }).success, false);
    assert.equal(keywordData.safeParse({ '1thing': 'x' }).success, false);
    assert.deepEqual(toWechatData({ thing1: 'Tea' }), { thing1: { value: 'Tea' } });
    assert.equal(isOpenId('oaFOWwc1VAlw7l2sNJRzBvOjmcA8'), true);
    assert.equal(isOpenId('a@x.com'), false);
  });
});
