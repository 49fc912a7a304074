import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../testkit/testkit.ts';
import type { SendOutcome } from '../../definition.ts';
import { jsonSchemaOf } from '../../secret.ts';
import { sendGroups, tencentNumber } from './client.ts';
import { tencentSms } from './definition.ts';
import { startTencentSmsFake, type TencentSmsFake } from './fake.ts';
import {
  failed,
  openTencentTestKits,
  smsDelivery,
  smsTemplate,
  tencentClient,
  tencentContent,
} from './fixtures.ts';
import { parseTc3Authorization } from './sign.ts';

/**
 * Sending through the Tencent SMS provider against its fake over real HTTP: the fake verifies
 * every TC3 signature, the timestamp window and the SendSms rules, so a request it accepts is one
 * the real API would accept as far as PROVIDERS.md §1 says.
 */
describe('Tencent Cloud SMS: sending (sms/tencent)', () => {
  let kits: Awaited<ReturnType<typeof openTencentTestKits>>;
  const fakes: TencentSmsFake[] = [];
  before(async () => {
    kits = await openTencentTestKits();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await kits.close();
  });
  const fake = async (opts: Parameters<typeof startTencentSmsFake>[0] = {}) => {
    const f = await startTencentSmsFake(opts);
    fakes.push(f);
    return f;
  };
  const batch = (c: ReturnType<typeof tencentClient>, receivers: string[], content = tencentContent()) =>
    c.sendBatch!({ deliveries: receivers.map(smsDelivery), template: smsTemplate, content });
  const send = (c: ReturnType<typeof tencentClient>, receiver: string, content = tencentContent()) =>
    c.send({ delivery: smsDelivery(receiver), template: smsTemplate, content });
  const mainland = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `+86138${String(from + i).padStart(8, '0')}`);

  test('one number: a signed SendSms with the template, its parameters and the sign name', async () => {
    const f = await fake();
    const o = await send(tencentClient(f, kits.kit()), '+8613800138000');
    assert.equal(f.sent.length, 1);
    const [sms] = f.sent;
    assert.deepEqual(o, { ok: true, providerMessageId: sms!.serialNo, segments: 1 });
    assert.deepEqual(sms!.params, ['123456', '5']);
    assert.equal(sms!.signName, f.signName);
    const req = f.requests.at(-1)!;
    assert.equal(req.headers['x-tc-action'], 'SendSms');
    assert.equal(req.headers['x-tc-version'], '2021-01-11');
    assert.equal(req.headers['x-tc-region'], 'ap-guangzhou');
    assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(parseTc3Authorization(req.headers.authorization)?.signedHeaders, [
      'content-type',
      'host',
      'x-tc-action',
    ]);
    assert.deepEqual(req.json(), {
      PhoneNumberSet: ['+8613800138000'],
      SmsSdkAppId: f.sdkAppId,
      TemplateId: '1001',
      TemplateParamSet: ['123456', '5'],
      SignName: f.signName,
    });
  });

  test('a batch is split: ≤200 per call, mainland apart from international, a repeat in its own call', async () => {
    const f = await fake();
    const numbers = mainland(401);
    const intl = ['+85291234567', '+14155550100'];
    const receivers = [...numbers, intl[0]!, 'not-a-number', '+861012345678', intl[1]!, numbers[0]!];
    const outcomes = await batch(tencentClient(f, kits.kit()), receivers);
    assert.equal(outcomes.length, receivers.length);
    const calls = f.requests.map((r) => (r.json() as { PhoneNumberSet: string[] }).PhoneNumberSet);
    assert.equal(f.calls('SendSms'), 4);
    assert.ok(calls.every((set) => set.length <= 200));
    assert.ok(
      calls.every((set) => set.every((n) => n.startsWith('+86')) || set.every((n) => !n.startsWith('+86'))),
    );
    assert.ok(
      calls.every((set) => new Set(set).size === set.length),
      'a call named a number twice',
    );
    for (const n of [...numbers.slice(1), ...intl]) assert.equal(f.sentTo(n), 1, n);
    assert.equal(f.sentTo(numbers[0]!), 2);
    receivers.forEach((rcv, i) => {
      const o = outcomes[i]!;
      if (rcv === 'not-a-number' || rcv === '+861012345678') {
        const x = failed(o);
        assert.equal(x.code, 'INVALID_NUMBER');
        assert.equal(x.retryable, false);
        assert.equal(x.failover, undefined);
        return;
      }
      assert.ok(o.ok, `${rcv}: ${JSON.stringify(o)}`);
    });
    // Each outcome carries the serial number of its own number's entry.
    const serials = new Map(f.sent.map((s) => [s.serialNo, s.phoneNumber]));
    receivers.forEach((rcv, i) => {
      const o = outcomes[i]!;
      if (o.ok) assert.equal(serials.get(o.providerMessageId!), rcv);
    });
    // International calls carry no signature unless the template names one.
    const intlCall = f.requests.find(
      (r) => (r.json() as { PhoneNumberSet: string[] }).PhoneNumberSet[0] === intl[0],
    );
    assert.equal((intlCall!.json() as { SignName?: string }).SignName, undefined);
  });

  test('per-number codes map to their own delivery; the others of the call are sent', async () => {
    const f = await fake();
    const [a, bad, black, limited, b] = mainland(5, 100);
    f.failNumber(bad!);
    f.failNumber(black!, 'FailedOperation.PhoneNumberInBlacklist');
    f.failNumber(limited!, 'LimitExceeded.PhoneNumberDailyLimit');
    const outcomes = await batch(tencentClient(f, kits.kit()), [a!, bad!, black!, limited!, b!]);
    assert.equal(f.calls('SendSms'), 1);
    assert.equal(outcomes[0]!.ok, true);
    assert.equal(outcomes[4]!.ok, true);
    const codes = outcomes.slice(1, 4).map((o) => {
      const x = failed(o);
      assert.equal(x.retryable, false, x.code);
      assert.equal(x.failover, undefined, `${x.code} must not fail over (it would bypass a per-number rule)`);
      return x.code;
    });
    assert.deepEqual(codes, [
      'InvalidParameterValue.IncorrectPhoneNumber',
      'FailedOperation.PhoneNumberInBlacklist',
      'LimitExceeded.PhoneNumberDailyLimit',
    ]);
    assert.deepEqual(
      f.sent.map((s) => s.phoneNumber),
      [a, b],
    );
  });

  test('a request-level error fails every delivery of that call, and only of that call', async () => {
    const f = await fake();
    f.failNext({ code: 'FailedOperation.InsufficientBalanceInSmsPackage', message: 'balance' });
    const home = mainland(3, 200);
    const abroad = ['+85291234567', '+85291234568'];
    const outcomes = await batch(tencentClient(f, kits.kit()), [...home, ...abroad]);
    const failedIdx = outcomes.flatMap((o, i) => (o.ok ? [] : [i]));
    // The two calls run at once: whichever reached the fake first got the injected error.
    assert.ok(
      JSON.stringify(failedIdx) === '[0,1,2]' || JSON.stringify(failedIdx) === '[3,4]',
      JSON.stringify(outcomes),
    );
    for (const i of failedIdx) {
      const x = failed(outcomes[i]);
      assert.equal(x.code, 'FailedOperation.InsufficientBalanceInSmsPackage');
      assert.equal(x.retryable, false);
      assert.equal(x.failover, true, 'an account-level refusal lets another account take it');
    }
    assert.equal(f.sent.length, 5 - failedIdx.length);
  });

  test('error classes of request-level answers: rate limit, busy, in doubt, account, HTTP statuses', async () => {
    const f = await fake();
    const c = tencentClient(f, kits.kit());
    const cases: [Parameters<TencentSmsFake['failNext']>[0], Partial<SendOutcome>][] = [
      [{ code: 'RequestLimitExceeded' }, { retryable: true, rateLimited: true, failover: true }],
      [{ code: 'InternalError.OtherError' }, { retryable: true, failover: true }],
      [{ code: 'InternalError.Timeout' }, { retryable: true, inDoubt: true }],
      [{ code: 'AuthFailure.SignatureFailure' }, { retryable: false, failover: true }],
      [{ code: 'UnauthorizedOperation.SerivceSuspendDueToArrears' }, { retryable: false, failover: true }],
      [{ code: 'AuthFailure.SignatureExpire' }, { retryable: true, failover: true }],
      [{ code: 'InternalError.SomethingNew' }, { retryable: true, failover: true }],
      [{ code: 'FailedOperation.SomethingNew' }, { retryable: false }],
      [
        { status: 503, body: '<html>busy</html>' },
        { code: 'HTTP_503', retryable: true, failover: true },
      ],
      [{ status: 429 }, { code: 'HTTP_429', retryable: true, rateLimited: true, failover: true }],
      [
        { status: 200, body: 'not json' },
        { code: 'BAD_RESPONSE', retryable: true, inDoubt: true },
      ],
    ];
    for (const [injected, want] of cases) {
      f.failNext(injected);
      const o = failed(await send(c, '+8613800138000'));
      const expected = { code: 'code' in injected ? injected.code : o.code, ...want };
      for (const [k, v] of Object.entries(expected)) {
        assert.equal(o[k as keyof typeof o], v, `${JSON.stringify(injected)} → ${k}: ${JSON.stringify(o)}`);
      }
      if (o.inDoubt) assert.equal(o.failover, undefined, 'in doubt never fails over');
      if (!o.failover) assert.equal(o.rateLimited, undefined);
    }
    assert.equal(f.sent.length, 0);
    assert.equal((await send(c, '+8613800138000')).ok, true);
  });

  test('credentials, app and clock: refused by the fake as Tencent refuses them', async () => {
    const f = await fake();
    const wrongKey = `k-${Math.random().toString(36).slice(2)}-secret`;
    const sig = failed(await send(tencentClient(f, kits.kit(), { secretKey: wrongKey }), '+8613800138000'));
    assert.equal(sig.code, 'AuthFailure.SignatureFailure');
    assert.equal(sig.failover, true);
    assert.ok(!sig.message.includes(wrongKey));
    const id = failed(
      await send(tencentClient(f, kits.kit(), { secretId: 'AKIDunknown' }), '+8613800138000'),
    );
    assert.equal(id.code, 'AuthFailure.SecretIdNotFound');
    const app = failed(
      await send(tencentClient(f, kits.kit(), { sdkAppId: '1400000001' }), '+8613800138000'),
    );
    assert.equal(app.code, 'UnauthorizedOperation.SmsSdkAppIdVerifyFail');
    assert.equal(app.failover, true);
    const late = kits.kit({ now: () => Date.now() - 6 * 60_000 });
    const skew = failed(await send(tencentClient(f, late), '+8613800138000'));
    assert.equal(skew.code, 'AuthFailure.SignatureExpire');
    assert.equal(skew.retryable, true);
    const slightlyLate = kits.kit({ now: () => Date.now() - 4 * 60_000 });
    assert.equal((await send(tencentClient(f, slightlyLate), '+8613800138000')).ok, true);
    assert.equal(f.sent.length, 1);
  });

  test('templates and signatures: unknown, wrong parameter count, unapproved sign, no Tencent entry', async () => {
    const f = await fake({ templates: { '1001': '验证码{1}，{2}分钟内有效', '2002': '通知：{1}' } });
    const c = tencentClient(f, kits.kit());
    const unknown = failed(await send(c, '+8613800138000', tencentContent({ templateId: '9999' })));
    assert.equal(unknown.code, 'FailedOperation.TemplateIncorrectOrUnapproved');
    assert.equal(unknown.failover, true);
    const count = failed(await send(c, '+8613800138000', tencentContent({ params: ['1'] })));
    assert.equal(count.code, 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate');
    assert.equal(count.retryable, false);
    assert.equal(count.failover, undefined);
    const sign = failed(await send(c, '+8613800138000', tencentContent({ signName: '未审核' })));
    assert.equal(sign.code, 'FailedOperation.SignatureIncorrectOrUnapproved');
    assert.equal(sign.failover, true);
    const none = failed(await send(c, '+8613800138000', { text: 'x', providers: { yunpian: {} } }));
    assert.equal(none.code, 'NO_TEMPLATE');
    assert.equal(f.sent.length, 0);
    const ok = await send(
      c,
      '+8613800138000',
      tencentContent({ templateId: '2002', params: ['订单已发货'] }),
    );
    assert.equal(ok.ok, true);
    // The template's own sign name wins over the account's, for international calls too.
    const intl = await send(c, '+85291234567', tencentContent({ signName: f.signName }));
    assert.equal(intl.ok, true);
    assert.equal(f.sent.at(-1)!.signName, f.signName);
  });

  test('Fee is reported as segments', async () => {
    const f = await fake({ templates: { '3003': '{1}' } });
    const long = '长'.repeat(100);
    const o = await send(
      tencentClient(f, kits.kit()),
      '+8613800138000',
      tencentContent({ templateId: '3003', params: [long] }),
    );
    assert.ok(o.ok);
    assert.equal(o.segments, 2);
  });

  test('a slow answer is HTTP_TIMEOUT in doubt; a refused port is HTTP_CONNECT and fails over', async () => {
    const f = await fake();
    f.delay(2_000);
    const slow = failed(
      await send(tencentClient(f, kits.kit({ timeoutMs: 300 }), { timeoutMs: 300 }), '+8613800138000'),
    );
    assert.equal(slow.code, 'HTTP_TIMEOUT');
    assert.equal(slow.inDoubt, true);
    assert.equal(slow.failover, undefined);
    assert.equal(slow.retryable, true);
    f.delay(0);
    const down = tencentClient(f, kits.kit(), { baseUrl: `http://127.0.0.1:${await freePort()}` });
    const refused = failed(await send(down, '+8613800138000'));
    assert.equal(refused.code, 'HTTP_CONNECT');
    assert.equal(refused.failover, true);
    assert.equal(refused.inDoubt, undefined);
  });

  test('no secret appears in any outcome, even when the answer quotes it', async () => {
    const f = await fake();
    const c = tencentClient(f, kits.kit());
    f.failNext({ code: 'InternalError', message: `backend saw key ${f.secretKey}` });
    f.failNext({ status: 502, body: `proxy: ${f.secretKey}` });
    f.failNumber('+8613800138009', 'FailedOperation.PhoneNumberInBlacklist');
    const outcomes = [
      await send(c, '+8613800138000'),
      await send(c, '+8613800138000'),
      await send(c, '+8613800138009'),
      await send(tencentClient(f, kits.kit(), { secretKey: `${f.secretKey}x` }), '+8613800138000'),
    ];
    assert.ok(outcomes.every((o) => !o.ok));
    assert.equal(failed(outcomes[0]).code, 'InternalError');
    assert.equal(failed(outcomes[1]).code, 'HTTP_502');
    const text = JSON.stringify(outcomes);
    assert.ok(!text.includes(f.secretKey), text);
  });

  test('grouping and number rules', () => {
    const ds = ['+8613800138000', '+85291234567', '+8613800138000', 'x', '+8613800138001'].map(smsDelivery);
    assert.deepEqual(sendGroups(ds), [[0, 4], [2], [1]]);
    assert.equal(sendGroups(mainland(401).map(smsDelivery)).length, 3);
    assert.equal(tencentNumber('+8613800138000'), '+8613800138000');
    assert.equal(tencentNumber('13800138000'), undefined);
    assert.equal(tencentNumber('+861012345678'), undefined);
    assert.equal(tencentNumber('+14155550100'), '+14155550100');
  });

  test('the definition: config schema, capabilities, accepts', () => {
    const schema = jsonSchemaOf(tencentSms.config) as { properties: Record<string, { writeOnly?: boolean }> };
    assert.equal(schema.properties.secretKey?.writeOnly, true);
    assert.equal(schema.properties.secretId?.writeOnly, undefined);
    const cfg = tencentSms.config.parse({
      secretId: 'AKID1',
      secretKey: 'k',
      sdkAppId: 1400006666,
      signName: '腾讯云',
    });
    assert.equal(cfg.sdkAppId, '1400006666');
    assert.equal(cfg.region, 'ap-guangzhou');
    assert.equal(cfg.baseUrl, 'https://sms.tencentcloudapi.com');
    const base = { secretId: 'AKID1', secretKey: 'k', sdkAppId: '1400006666', signName: '腾讯云' };
    assert.equal(tencentSms.config.safeParse({ ...base, extra: 1 }).success, false);
    assert.equal(tencentSms.config.safeParse({ ...base, sdkAppId: 'abc' }).success, false);
    assert.equal(tencentSms.config.safeParse({ ...base, region: 'Guangzhou' }).success, false);
    assert.equal(tencentSms.config.safeParse({ ...base, signName: undefined }).success, false);
    assert.deepEqual(tencentSms.capabilities, { batch: 200, receipts: true, testConnection: true });
    assert.equal(tencentSms.provider, 'tencent');
    assert.equal(tencentSms.accepts!(tencentContent()), true);
    assert.equal(
      tencentSms.accepts!({ text: 'x', providers: { aliyun: { templateCode: 'SMS_1', params: {} } } }),
      false,
    );
  });
});
