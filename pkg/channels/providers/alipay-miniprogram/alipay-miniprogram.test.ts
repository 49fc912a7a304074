import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../testkit/testkit.ts';
import { SEND_METHOD, TEST_METHOD } from './client.ts';
import { type AlipayMiniprogramFake, startAlipayMiniprogramFake } from './fake.ts';
import { alipayClient, failed, OPEN, openAlipayTestKits, orderContent, sendTo, USER } from './fixtures.ts';
import { beijingTimestamp, signContent } from './sign.ts';
import { ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY_PKCS8 } from './vectors.ts';

/**
 * Sending through the Alipay mini program provider against its fake over real HTTP: the fake
 * verifies every request signature with the app's public key, the timestamp window and the send
 * rules, and signs its answers with its own Alipay key, which the client must verify.
 */
describe('Alipay mini program: sending (alipay_miniprogram/alipay)', () => {
  let kits: Awaited<ReturnType<typeof openAlipayTestKits>>;
  const fakes: AlipayMiniprogramFake[] = [];
  before(async () => {
    kits = await openAlipayTestKits();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await kits.close();
  });
  const fake = async (opts: Parameters<typeof startAlipayMiniprogramFake>[0] = {}) => {
    const f = await startAlipayMiniprogramFake(opts);
    fakes.push(f);
    return f;
  };

  test('to a user id: one signed templatemessage.send, common parameters in the query, biz_content in the body', async () => {
    const at = Date.UTC(2024, 5, 1, 2, 3, 4);
    const f = await fake({ now: () => at });
    const o = await sendTo(alipayClient(f, kits.kit({ now: () => at })), USER);
    assert.deepEqual(o, { ok: true });
    assert.equal(f.messages.length, 1);
    assert.deepEqual(
      { ...f.messages[0]!, at: 0 },
      {
        receiver: USER,
        kind: 'user_id',
        templateId: 'TPL_ORDER',
        page: 'pages/order/index?id=A-1',
        data: { keyword1: 'A-1', keyword2: '已发货' },
        biz: f.messages[0]!.biz,
        at: 0,
      },
    );
    const req = f.requests.at(-1)!;
    const { sign, ...common } = req.query;
    assert.deepEqual(common, {
      app_id: f.appId,
      method: SEND_METHOD,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: beijingTimestamp(at),
      version: '1.0',
    });
    assert.equal(common.timestamp, '2024-06-01 10:03:04');
    assert.equal(sign?.length, 344);
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded;charset=utf-8');
    assert.equal(req.headers.accept, 'application/json');
    const body = Object.fromEntries(new URLSearchParams(req.body));
    assert.deepEqual(Object.keys(body), ['biz_content']);
    assert.equal(
      body.biz_content,
      '{"to_user_id":"2088102122458832","user_template_id":"TPL_ORDER","page":"pages/order/index?id=A-1","data":"{\\"keyword1\\":{\\"value\\":\\"A-1\\"},\\"keyword2\\":{\\"value\\":\\"已发货\\"}}"}',
    );
    assert.equal(f.calls(SEND_METHOD), 1);
  });

  test('to an open id: to_open_id, no page when the content has none, never a form_id', async () => {
    const f = await fake();
    const o = await sendTo(alipayClient(f, kits.kit()), OPEN, orderContent({ page: undefined }));
    assert.deepEqual(o, { ok: true });
    const [m] = f.messages;
    assert.equal(m?.kind, 'open_id');
    assert.deepEqual(Object.keys(m!.biz), ['to_open_id', 'user_template_id', 'data']);
  });

  test('a receiver that is neither id is refused without a call', async () => {
    const f = await fake();
    const o = failed(await sendTo(alipayClient(f, kits.kit()), '2088-not-an-id'));
    assert.equal(o.code, 'INVALID_RECEIVER');
    assert.equal(o.retryable, false);
    assert.equal(f.requests.length, 0);
  });

  test('subscriptions: unsubscribed and rejected users fail permanently; a one-time subscription is spent', async () => {
    const f = await fake();
    const c = alipayClient(f, kits.kit());
    f.subscribe(USER, 'TPL_ORDER', 'none');
    const none = failed(await sendTo(c, USER));
    assert.equal(none.code, 'MSG_UNSUBSCRIBED');
    assert.equal(none.retryable, false);
    assert.equal(none.failover, undefined, 'another account cannot reach a user who did not subscribe');
    f.subscribe(OPEN, 'TPL_ORDER', 'rejected');
    assert.equal(failed(await sendTo(c, OPEN)).code, 'MSG_REJECTED');
    f.subscribe(USER, 'TPL_ORDER', 1);
    assert.deepEqual(await sendTo(c, USER), { ok: true });
    assert.equal(failed(await sendTo(c, USER)).code, 'MSG_UNSUBSCRIBED');
    assert.equal(f.messages.length, 1);
  });

  test('template and data refusals are permanent with Alipay’s sub-code', async () => {
    const f = await fake({
      templates: { TPL_ORDER: ['keyword1', 'keyword2'], TPL_3: ['keyword1', 'keyword2', 'keyword3'] },
    });
    const c = alipayClient(f, kits.kit());
    const cases: [ReturnType<typeof orderContent>, string][] = [
      [orderContent({ userTemplateId: 'TPL_GONE' }), 'USER_TEMPLATE_ILLEGAL'],
      [orderContent({ userTemplateId: 'TPL_3' }), 'USER_TEMPLATE_LACK_KEYWORD'],
      // Past the content schema's limits (a client handed content the schema never saw).
      [orderContent({ data: { keyword1: 'x'.repeat(51), keyword2: 'y' } }), 'USER_KEYWORD_LENGTH_ERROR'],
      [orderContent({ page: `pages/${'p'.repeat(130)}` }), 'PAGE_OVER_LIMIT'],
    ];
    for (const [content, code] of cases) {
      const o = failed(await sendTo(c, USER, content));
      assert.equal(o.code, code);
      assert.equal(o.retryable, false);
      assert.match(o.message, new RegExp(`\\(40004 ${code}\\)$`));
    }
    assert.equal(f.messages.length, 0);
  });

  const table: [string, { code: string; subCode?: string; unsigned?: boolean }, Record<string, unknown>][] = [
    ['Alipay busy', { code: '20000', subCode: 'aop.unknow-error' }, { retryable: true, failover: true }],
    [
      'call limit',
      { code: '40005', subCode: 'isv.app-call-limited' },
      { retryable: true, rateLimited: true, failover: true },
    ],
    ['method limit', { code: '40005', subCode: 'isv.method-call-limited' }, { rateLimited: true }],
    [
      'no product permission',
      { code: '40006', subCode: 'isv.insufficient-isv-permissions' },
      { retryable: false, failover: true },
    ],
    [
      'ISV token',
      { code: '20001', subCode: 'aop.app-auth-token-time-out' },
      { retryable: false, failover: true },
    ],
    [
      'missing app public key',
      { code: '40002', subCode: 'isv.missing-signature-config' },
      { retryable: false, failover: true },
    ],
    [
      'unknown business sub-code',
      { code: '40004', subCode: 'SOMETHING_NEW' },
      { retryable: false, failover: undefined },
    ],
    ['named-only sub-code', { code: '40004', subCode: 'MSG_SEND_ERROR' }, { retryable: false }],
    ['unknown platform error', { code: '99999', subCode: 'isp.new-error' }, { retryable: true }],
    [
      'an unsigned refusal is taken as is',
      { code: '40004', subCode: 'DATA_SENSITIVE', unsigned: true },
      { retryable: false },
    ],
  ];
  for (const [what, injected, expected] of table) {
    test(`a refusal is classified by sub_code, else code: ${what} (${injected.code} ${injected.subCode})`, async () => {
      const f = await fake();
      f.fail(injected);
      const o = failed(await sendTo(alipayClient(f, kits.kit()), USER));
      assert.equal(o.code, injected.subCode);
      for (const [k, v] of Object.entries(expected))
        assert.equal(o[k as keyof typeof o], v, `${k} of ${JSON.stringify(o)}`);
      assert.equal(o.inDoubt, undefined);
      assert.equal(f.messages.length, 0);
    });
  }

  test('a wrong app key or app id is the account’s; the signature refusal echoes no secret', async () => {
    const f = await fake();
    const wrong = alipayClient(f, kits.kit(), { privateKey: APP_PRIVATE_KEY_PKCS8 });
    const o = failed(await sendTo(wrong, USER));
    assert.equal(o.code, 'isv.invalid-signature');
    assert.equal(o.retryable, false);
    assert.equal(o.failover, true);
    assert.match(o.message, /网关生成的验签字符串为：app_id=/);
    assert.ok(!o.message.includes(APP_PRIVATE_KEY_PKCS8.slice(0, 40)));
    const badApp = failed(await sendTo(alipayClient(f, kits.kit(), { appId: '2021000000000000' }), USER));
    assert.equal(badApp.code, 'isv.invalid-app-id');
    assert.equal(badApp.failover, true);
    assert.equal(f.messages.length, 0);
  });

  test('a clock 16 minutes off is refused (isv.invalid-timestamp, retryable); 14 minutes passes', async () => {
    const f = await fake();
    const off = failed(
      await sendTo(alipayClient(f, kits.kit({ now: () => Date.now() - 16 * 60_000 })), USER),
    );
    assert.equal(off.code, 'isv.invalid-timestamp');
    assert.equal(off.retryable, true);
    assert.deepEqual(await sendTo(alipayClient(f, kits.kit({ now: () => Date.now() + 14 * 60_000 })), USER), {
      ok: true,
    });
  });

  test('an answer whose signature does not verify is BAD_SIGNATURE, in doubt: the message may have gone out', async () => {
    const f = await fake();
    const c = alipayClient(f, kits.kit());
    for (const spoil of ['bad_signature', 'unsigned'] as const) {
      f.spoil(spoil);
      const o = failed(await sendTo(c, USER));
      assert.equal(o.code, 'BAD_SIGNATURE', spoil);
      assert.equal(o.inDoubt, true);
      assert.equal(o.failover, undefined, 'an in-doubt send is never failed over');
      assert.equal(o.retryable, false, 'a wrong Alipay key would resend to the user on every retry');
    }
    assert.equal(f.messages.length, 2, 'the fake took both: the doubt was real');
    // A refusal whose signature fails is not trusted either.
    f.subscribe(USER, 'TPL_ORDER', 'none');
    f.spoil('bad_signature');
    assert.equal(failed(await sendTo(c, USER)).code, 'BAD_SIGNATURE');
    // The Alipay key of another app (the vector's) verifies nothing of this one.
    f.subscribe(USER, 'TPL_ORDER', 'long');
    const other = failed(
      await sendTo(alipayClient(f, kits.kit(), { alipayPublicKey: ALIPAY_PUBLIC_KEY }), USER),
    );
    assert.equal(other.code, 'BAD_SIGNATURE');
    assert.equal(other.inDoubt, true);
  });

  test('answers that escape slashes as \\/ still verify (the second, unescaped try)', async () => {
    const f = await fake({ escapeSlashes: true });
    const c = alipayClient(f, kits.kit());
    // The refusal echoes the signed string, page and all: full of slashes.
    const o = failed(await sendTo(alipayClient(f, kits.kit(), { privateKey: APP_PRIVATE_KEY_PKCS8 }), USER));
    assert.equal(o.code, 'isv.invalid-signature');
    // The same request again, read raw: the answer really was written with \/.
    const last = f.requests.at(-1)!;
    const raw = await fetch(`${new URL(f.baseUrl).origin}${last.url}`, {
      method: 'POST',
      headers: { 'content-type': last.headers['content-type']! },
      body: last.body,
    }).then((r) => r.text());
    assert.ok(raw.includes('pages\\/order\\/index'), raw.slice(0, 300));
    assert.deepEqual(await sendTo(c, USER), { ok: true });
  });

  test('transport: not JSON is BAD_RESPONSE in doubt; 502 retryable; a timeout in doubt; a closed port failed over', async () => {
    const f = await fake();
    const c = alipayClient(f, kits.kit());
    f.spoil('not_json');
    const html = failed(await sendTo(c, USER));
    assert.equal(html.code, 'BAD_RESPONSE');
    assert.equal(html.inDoubt, true);
    assert.equal(html.retryable, true);
    f.fail({ code: 'x', status: 502, body: 'Bad Gateway' });
    const bad = failed(await sendTo(c, USER));
    assert.equal(bad.code, 'HTTP_502');
    assert.equal(bad.retryable, true);
    f.setDelay(600);
    const slow = failed(await sendTo(alipayClient(f, kits.kit(), { timeoutMs: 200 }), USER));
    assert.equal(slow.code, 'HTTP_TIMEOUT');
    assert.equal(slow.inDoubt, true);
    f.setDelay(0);
    const down = failed(
      await sendTo(
        alipayClient(f, kits.kit(), { baseUrl: `http://127.0.0.1:${await freePort()}/gateway.do` }),
        USER,
      ),
    );
    assert.equal(down.code, 'HTTP_CONNECT');
    assert.equal(down.failover, true);
  });

  test('testConnection: a signed read-only template query; wrong keys fail by name; nothing is sent', async () => {
    const f = await fake();
    assert.deepEqual(await alipayClient(f, kits.kit()).testConnection!(), { ok: true });
    assert.equal(f.calls(TEST_METHOD), 1);
    const q = f.requests.at(-1)!;
    assert.equal(q.query.method, TEST_METHOD);
    assert.deepEqual(JSON.parse(new URLSearchParams(q.body).get('biz_content')!), {
      biz_type: 'sub_msg',
      page_num: 1,
      page_size: '1',
    });
    const wrongKey = await alipayClient(f, kits.kit(), { privateKey: APP_PRIVATE_KEY_PKCS8 })
      .testConnection!();
    assert.equal(!wrongKey.ok && wrongKey.code, 'isv.invalid-signature');
    const wrongAlipay = await alipayClient(f, kits.kit(), { alipayPublicKey: ALIPAY_PUBLIC_KEY })
      .testConnection!();
    assert.equal(!wrongAlipay.ok && wrongAlipay.code, 'BAD_SIGNATURE');
    // A signed business refusal still proves the credentials; a missing permission does not.
    f.fail({ code: '40004', subCode: 'NO_TEMPLATE', methods: [TEST_METHOD] });
    assert.deepEqual(await alipayClient(f, kits.kit()).testConnection!(), { ok: true });
    f.fail({ code: '40006', subCode: 'isv.insufficient-isv-permissions', methods: [TEST_METHOD] });
    const perm = await alipayClient(f, kits.kit()).testConnection!();
    assert.equal(!perm.ok && perm.code, 'isv.insufficient-isv-permissions');
    assert.equal(f.messages.length, 0);
    assert.equal(f.calls(SEND_METHOD), 0);
  });

  test('no outcome message carries the private key, even when an answer quotes it', async () => {
    const f = await fake();
    const c = alipayClient(f, kits.kit());
    const body = f.appPrivateKey.replace(/-----[A-Z ]+-----|\s+/g, '');
    f.fail({ code: '40004', subCode: 'MSG_SEND_ERROR', subMsg: `key was ${f.appPrivateKey}` });
    f.fail({ code: '40004', subCode: 'MSG_SEND_ERROR', subMsg: `key was ${body}` });
    const outcomes = [failed(await sendTo(c, USER)), failed(await sendTo(c, USER))];
    for (const o of outcomes) {
      assert.match(o.message, /key was \*\*\*/);
      assert.ok(!o.message.includes(body.slice(0, 64)) && !o.message.includes(body.slice(-64)), o.message);
    }
  });

  test('the fake checks what the gateway checks: tampered, replayed-late and incomplete requests', async () => {
    const f = await fake();
    await sendTo(alipayClient(f, kits.kit()), USER);
    const good = f.requests.at(-1)!;
    const post = (query: Record<string, string>, body = good.body) =>
      fetch(`${f.baseUrl}?${new URLSearchParams(query)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body,
      }).then((r) => r.text());
    const tampered = new URLSearchParams(good.body);
    tampered.set('biz_content', (tampered.get('biz_content') ?? '').replace(USER, '2088000000000000'));
    assert.match(await post(good.query, tampered.toString()), /isv\.invalid-signature/);
    const { sign: _, ...unsigned } = good.query;
    assert.match(await post(unsigned), /isv\.missing-signature/);
    const { timestamp: __, ...noTime } = good.query;
    assert.match(await post(noTime), /isv\.missing-timestamp/);
    assert.match(await post({ ...good.query, sign_type: 'RSA' }), /isv\.invalid-signature-type/);
    assert.match(
      await post({ ...good.query, method: 'alipay.no.such' }),
      /"error_response".*isv\.invalid-method/,
    );
    // The signed string is what §10b.5 says: the fake's echo names it.
    const echo = await post({
      ...good.query,
      sign: good.query.sign!.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')),
    });
    const all = { ...good.query, ...Object.fromEntries(new URLSearchParams(good.body)) };
    assert.ok(echo.includes(JSON.stringify(signContent(all).replaceAll('&', '&amp;')).slice(1, -1)), echo);
    assert.equal(f.messages.length, 1);
  });
});
