import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../../../domain/delivery.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { freePort, randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import { jsonSchemaOf } from '../../secret.ts';
import type { SmsContent } from '../../sms/content.ts';
import { createAliyunApi } from './api.ts';
import { aliyunSms } from './definition.ts';
import { type AliyunSmsFake, aliyunAccountConfig, startAliyunSmsFake } from './fake.ts';
import { sendBatchSms } from './send.ts';

/**
 * The Alibaba Cloud SMS provider against its fake (a real local HTTP server that verifies both
 * signature kinds, the clock window and nonces as Alibaba's gateway does), over the kit's real
 * HTTP client.
 */
describe('Alibaba Cloud SMS (sms/aliyun): sending', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  let slowHttp: HttpClient;
  const fakes: AliyunSmsFake[] = [];
  /** Every outcome any test got, checked for secrets at the end. */
  const seen: SendOutcome[] = [];
  const secrets: string[] = [];

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
    slowHttp = createHttpClient({ timeoutMs: 300 });
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await slowHttp.close();
    await r.cleanup();
  });

  const TEMPLATES = { SMS_1: ['code'], SMS_2: ['name', 'order'], SMS_NOVARS: [] };
  const fake = async (opts: Parameters<typeof startAliyunSmsFake>[0] = {}) => {
    const f = await startAliyunSmsFake({
      templates: TEMPLATES,
      signNames: ['阿里云短信测试', '另一个签名'],
      ...opts,
    });
    fakes.push(f);
    secrets.push(f.accessKeySecret);
    return f;
  };
  const clientOf = (
    f: AliyunSmsFake,
    over: Record<string, unknown> = {},
    kitOpts: { now?: () => number; http?: HttpClient } = {},
  ) =>
    aliyunSms.create(
      aliyunSms.config.parse({ ...aliyunAccountConfig(f, '阿里云短信测试'), ...over }),
      createKit({
        redis: r.redis,
        keys: r.keys,
        accountId: 1,
        http: kitOpts.http ?? http,
        publicHttp: http,
        ...(kitOpts.now ? { now: kitOpts.now } : {}),
      }),
      { id: 1, channel: 'sms', provider: 'aliyun' },
    ) as ProviderClient<SmsContent>;

  const content = (over: Partial<NonNullable<SmsContent['providers']['aliyun']>> = {}): SmsContent => ({
    text: 'Your code is 1234',
    providers: { aliyun: { templateCode: 'SMS_1', params: { code: '1234' }, ...over } },
  });
  const template = testTemplate({ channel: 'sms', content: content() });
  const delivery = (receiver: string): Delivery =>
    testDelivery({ id: `m-${randomTag()}`, channel: 'sms', receiver });
  const batch = async (c: ProviderClient<SmsContent>, receivers: string[], body = content()) => {
    const deliveries = receivers.map(delivery);
    const outcomes = await c.sendBatch!({ deliveries, template, content: body });
    seen.push(...outcomes);
    return { deliveries, outcomes };
  };
  const failed = (o: SendOutcome | undefined): SendFailure => {
    assert.ok(o && !o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };

  test('the definition: sms/aliyun, 1000 per call, secret marked, defaults, accepts only aliyun content', () => {
    assert.equal(aliyunSms.channel, 'sms');
    assert.equal(aliyunSms.provider, 'aliyun');
    assert.match(aliyunSms.title, /阿里云/);
    assert.deepEqual(aliyunSms.capabilities, { batch: 1000, receipts: true, testConnection: true });
    assert.deepEqual(aliyunSms.receivers, ['phone']);
    const schema = jsonSchemaOf(aliyunSms.config) as { properties: Record<string, { writeOnly?: boolean }> };
    assert.equal(schema.properties.accessKeySecret?.writeOnly, true);
    assert.equal(schema.properties.accessKeyId?.writeOnly, undefined);
    const parsed = aliyunSms.config.parse({ accessKeyId: 'id', accessKeySecret: 's', signName: '签名' });
    assert.equal(parsed.regionId, 'cn-hangzhou');
    assert.equal(parsed.signatureVersion, 'acs3');
    assert.equal(parsed.baseUrl, 'https://dysmsapi.aliyuncs.com/');
    assert.equal(aliyunSms.config.safeParse({ ...parsed, signatureVersion: 'v2' }).success, false);
    assert.equal(aliyunSms.accepts!(content()), true);
    assert.equal(aliyunSms.accepts!({ text: 'x', providers: { yunpian: {} } }), false);
    assert.ok(Object.isFrozen(aliyunSms));
  });

  for (const signatureVersion of ['acs3', 'rpc'] as const) {
    test(`${signatureVersion}: three numbers go out in one signed SendSms, all with its BizId`, async () => {
      const f = await fake();
      const c = clientOf(f, { signatureVersion });
      const { outcomes } = await batch(c, ['+8613800138000', '+85291234567', '13900139000']);
      assert.equal(f.sends.length, 1);
      const [s] = f.sends;
      assert.equal(s!.kind, signatureVersion, 'the fake verified the signature of this kind');
      assert.equal(s!.action, 'SendSms');
      assert.deepEqual(s!.numbers, ['13800138000', '85291234567', '13900139000']);
      assert.deepEqual(s!.params[0], { code: '1234' });
      assert.equal(s!.signNames[0], '阿里云短信测试');
      assert.equal(s!.templateCode, 'SMS_1');
      assert.equal(s!.outId, undefined, 'OutId names one delivery only');
      assert.deepEqual(
        outcomes,
        outcomes.map(() => ({ ok: true, providerMessageId: s!.bizId })),
      );
      const req = f.requests.at(-1)!;
      if (signatureVersion === 'acs3')
        assert.match(req.headers.authorization ?? '', /^ACS3-HMAC-SHA256 Credential=/);
      else assert.equal(req.query.SignatureMethod, 'HMAC-SHA1');
    });
  }

  test('one number: OutId is the delivery id; the content sign name overrides the account one', async () => {
    const f = await fake();
    const c = clientOf(f);
    const d = delivery('+8613800138000');
    const o = await c.send({ delivery: d, template, content: content({ signName: '另一个签名' }) });
    seen.push(o);
    assert.equal(o.ok, true);
    assert.equal(f.sends[0]!.outId, d.id);
    assert.equal(f.sends[0]!.signNames[0], '另一个签名');
    // A template without variables is sent without TemplateParam.
    assert.equal(
      (await batch(c, ['+8613800138001'], content({ templateCode: 'SMS_NOVARS', params: {} }))).outcomes[0]!
        .ok,
      true,
    );
    assert.equal(f.requests.at(-1)!.query.TemplateParam, undefined);
  });

  test('1001 numbers and a duplicate: split at 1000, every number sent exactly once, outcomes mapped', async () => {
    const f = await fake();
    const receivers = Array.from({ length: 1001 }, (_, i) => `+86138${String(i).padStart(8, '0')}`);
    receivers.splice(5, 0, receivers[3]!); // the same number twice in one batch
    const { outcomes } = await batch(clientOf(f), receivers);
    assert.equal(f.calls('SendSms'), 2);
    assert.ok(f.sends.every((s) => s.numbers.length <= 1000));
    assert.equal(f.acceptedNumbers().length, receivers.length);
    const sent = f.acceptedNumbers().toSorted();
    assert.deepEqual(sent, receivers.map((x) => x.slice(3)).toSorted());
    receivers.forEach((rcv, i) => {
      const o = outcomes[i]!;
      assert.ok(o.ok);
      const call = f.sends.find((s) => s.bizId === o.providerMessageId);
      assert.ok(call?.numbers.includes(rcv.slice(3)), `outcome ${i} names the call that carried ${rcv}`);
    });
    assert.notEqual(
      outcomes[3]!.ok && outcomes[3]!.providerMessageId,
      outcomes[5]!.ok && outcomes[5]!.providerMessageId,
    );
  });

  test('a receiver that is no phone number fails without a call; the others are sent', async () => {
    const f = await fake();
    const { outcomes } = await batch(clientOf(f), ['not-a-phone', '+8613800138000', '']);
    const bad = failed(outcomes[0]);
    assert.equal(bad.code, 'INVALID_NUMBER');
    assert.equal(bad.retryable, false);
    assert.equal(bad.failover, undefined);
    assert.equal(failed(outcomes[2]).code, 'INVALID_NUMBER');
    assert.equal(outcomes[1]!.ok, true);
    assert.deepEqual(f.acceptedNumbers(), ['13800138000']);
    const none = await fake();
    await batch(clientOf(none), ['x']);
    assert.equal(none.requests.length, 0);
  });

  test('one number Aliyun calls malformed refuses the whole call: every delivery fails permanently', async () => {
    const f = await fake({ invalidNumbers: ['13800138002'] });
    const { outcomes } = await batch(clientOf(f), ['+8613800138001', '+8613800138002']);
    for (const o of outcomes) {
      const x = failed(o);
      assert.equal(x.code, 'isv.MOBILE_NUMBER_ILLEGAL');
      assert.equal(x.retryable, false);
      assert.equal(x.failover, undefined);
    }
    assert.equal(f.sends.length, 0);
  });

  test('template errors: missing parameters are permanent, an unknown template or sign name is the account', async () => {
    const f = await fake();
    const c = clientOf(f);
    const missing = failed(
      (await batch(c, ['+8613800138000'], content({ templateCode: 'SMS_2', params: { name: 'A' } })))
        .outcomes[0],
    );
    assert.equal(missing.code, 'isv.TEMPLATE_MISSING_PARAMETERS');
    assert.equal(missing.retryable, false);
    assert.equal(missing.failover, undefined);
    const tpl = failed(
      (await batch(c, ['+8613800138000'], content({ templateCode: 'SMS_404' }))).outcomes[0],
    );
    assert.equal(tpl.code, 'isv.SMS_TEMPLATE_ILLEGAL');
    assert.equal(tpl.failover, true);
    const sign = failed((await batch(c, ['+8613800138000'], content({ signName: '未审核' }))).outcomes[0]);
    assert.equal(sign.code, 'isv.SMS_SIGNATURE_ILLEGAL');
    assert.equal(sign.retryable, false);
    assert.equal(sign.failover, true);
    assert.equal(f.sends.length, 0);
  });

  const cases: [string, Parameters<AliyunSmsFake['fail']>[0], Partial<SendFailure>][] = [
    ['balance', { code: 'isv.AMOUNT_NOT_ENOUGH' }, { retryable: false, failover: true }],
    ['suspended', { code: 'isv.OUT_OF_SERVICE' }, { retryable: false, failover: true }],
    ['RAM denial', { code: 'isp.RAM_PERMISSION_DENY' }, { retryable: false, failover: true }],
    [
      'per-number frequency',
      { code: 'isv.BUSINESS_LIMIT_CONTROL' },
      { retryable: false, failover: undefined },
    ],
    ['daily quota', { code: 'isv.DAY_LIMIT_CONTROL' }, { retryable: false, failover: true }],
    [
      'gateway flow control',
      { code: 'Throttling.User', status: 400 },
      { retryable: true, rateLimited: true, failover: true },
    ],
    ['system error', { code: 'isp.SYSTEM_ERROR' }, { retryable: true, failover: true }],
    ['gateway 503', { code: 'ServiceUnavailable', status: 503 }, { retryable: true, failover: true }],
    [
      'a proxy 502 page',
      { code: 'HTTP_502', status: 502, body: '<html>bad gateway</html>' },
      { retryable: true, failover: true },
    ],
    ['unknown isv code', { code: 'isv.SOMETHING_NEW' }, { retryable: false, failover: undefined }],
    ['unknown isp code', { code: 'isp.SOMETHING_NEW' }, { retryable: true, failover: true }],
  ];
  for (const [what, injected, expected] of cases) {
    test(`a refusal fails every number of the call with its class: ${what} (${injected.code})`, async () => {
      const f = await fake();
      f.fail(injected);
      const { outcomes } = await batch(clientOf(f), ['+8613800138000', '+8613800138001']);
      for (const o of outcomes) {
        const x = failed(o);
        assert.equal(x.code, injected.code);
        for (const [k, v] of Object.entries(expected))
          assert.equal(x[k as keyof SendFailure], v, `${k} of ${x.code}`);
        assert.equal(x.inDoubt, undefined);
      }
      assert.equal(f.sends.length, 0);
      const again = await batch(clientOf(f), ['+8613800138000']);
      assert.equal(again.outcomes[0]!.ok, true, 'the failure was injected once');
    });
  }

  for (const signatureVersion of ['acs3', 'rpc'] as const) {
    test(`${signatureVersion}: a wrong secret or key id is the account's fault, never shows the secret`, async () => {
      const f = await fake();
      const wrong = `wrong+/${randomTag()}${randomTag()}`;
      secrets.push(wrong);
      const bad = failed(
        (await batch(clientOf(f, { signatureVersion, accessKeySecret: wrong }), ['+8613800138000']))
          .outcomes[0],
      );
      assert.equal(bad.code, 'SignatureDoesNotMatch');
      assert.equal(bad.retryable, false);
      assert.equal(bad.failover, true);
      assert.ok(!bad.message.includes(wrong) && !bad.message.includes(encodeURIComponent(wrong)));
      const unknown = failed(
        (await batch(clientOf(f, { signatureVersion, accessKeyId: 'LTAInope' }), ['+8613800138000']))
          .outcomes[0],
      );
      assert.equal(unknown.code, 'InvalidAccessKeyId.NotFound');
      assert.equal(unknown.failover, true);
      assert.equal(f.sends.length, 0);
    });

    test(`${signatureVersion}: a clock 16 minutes off is refused (InvalidTimeStamp.Expired), 14 minutes passes`, async () => {
      const f = await fake();
      const skewed = failed(
        (
          await batch(clientOf(f, { signatureVersion }, { now: () => Date.now() - 16 * 60_000 }), [
            '+8613800138000',
          ])
        ).outcomes[0],
      );
      assert.equal(skewed.code, 'InvalidTimeStamp.Expired');
      assert.equal(skewed.retryable, true);
      assert.equal(f.sends.length, 0);
      const ok = await batch(clientOf(f, { signatureVersion }, { now: () => Date.now() + 14 * 60_000 }), [
        '+8613800138000',
      ]);
      assert.equal(ok.outcomes[0]!.ok, true);
    });

    test(`${signatureVersion}: a replayed request (same nonce) is refused with SignatureNonceUsed`, async () => {
      const f = await fake();
      assert.equal(
        (await batch(clientOf(f, { signatureVersion }), ['+8613800138000'])).outcomes[0]!.ok,
        true,
      );
      const sent = f.requests[0]!;
      const { host: _, 'content-length': __, connection: ___, ...headers } = sent.headers;
      const replay = await http.request({
        method: 'POST',
        url: `${f.baseUrl.replace(/\/$/, '')}${sent.url}`,
        headers,
      });
      assert.equal(replay.status, 400);
      assert.equal((replay.json() as { Code: string }).Code, 'SignatureNonceUsed');
      assert.equal(f.sends.length, 1);
      assert.equal(f.refusals('SignatureNonceUsed'), 1);
    });
  }

  test('a slow Aliyun is HTTP_TIMEOUT in doubt (never failed over); a refused port is HTTP_CONNECT, failed over', async () => {
    const f = await fake();
    f.setDelay(2000);
    const slow = failed(
      (await batch(clientOf(f, { timeoutMs: 300 }, { http: slowHttp }), ['+8613800138000'])).outcomes[0],
    );
    assert.equal(slow.code, 'HTTP_TIMEOUT');
    assert.equal(slow.inDoubt, true);
    assert.equal(slow.retryable, true);
    assert.equal(slow.failover, undefined);
    assert.equal(f.sends.length, 1, 'the fake took it: exactly why it is in doubt');
    const down = failed(
      (await batch(clientOf(f, { baseUrl: `http://127.0.0.1:${await freePort()}/` }), ['+8613800138000']))
        .outcomes[0],
    );
    assert.equal(down.code, 'HTTP_CONNECT');
    assert.equal(down.retryable, true);
    assert.equal(down.failover, true);
    assert.equal(down.inDoubt, undefined);
  });

  test('a 200 answer that is not Aliyun JSON leaves a send in doubt', async () => {
    const f = await fake();
    f.fail({ code: 'garbage', status: 200, body: 'ok?' });
    const o = failed((await batch(clientOf(f), ['+8613800138000'])).outcomes[0]);
    assert.equal(o.code, 'BAD_RESPONSE');
    assert.equal(o.inDoubt, true);
    assert.equal(o.failover, undefined);
  });

  test('SendBatchSms: per-number sign names and parameters, ≤ 100 numbers, all-or-nothing', async () => {
    const f = await fake();
    const config = aliyunSms.config.parse({
      accessKeyId: f.accessKeyId,
      accessKeySecret: f.accessKeySecret,
      signName: '阿里云短信测试',
      baseUrl: f.baseUrl,
    });
    const kit = createKit({ redis: r.redis, keys: r.keys, accountId: 1, http, publicHttp: http });
    for (const signatureVersion of ['acs3', 'rpc'] as const) {
      const api = createAliyunApi({ ...config, signatureVersion }, kit);
      const items = [
        { number: '13800138000', signName: '阿里云短信测试', params: { name: 'Ann', order: '7' } },
        { number: '85291234567', signName: '另一个签名', params: { name: 'Bob', order: '8' } },
      ];
      const outcomes = await sendBatchSms(api, { templateCode: 'SMS_2', items });
      const s = f.sends.at(-1)!;
      // As Alibaba's SDK sends it: the JSON arrays in a form body, TemplateCode in the query.
      const req = f.requests.at(-1)!;
      assert.equal(req.query.TemplateCode, 'SMS_2');
      assert.equal(req.query.PhoneNumberJson, undefined);
      assert.equal(new URLSearchParams(req.body).get('PhoneNumberJson'), '["13800138000","85291234567"]');
      if (signatureVersion === 'acs3')
        assert.match(req.headers.authorization ?? '', /SignedHeaders=content-type;host;/);
      assert.equal(s.action, 'SendBatchSms');
      assert.equal(s.kind, signatureVersion);
      assert.deepEqual(s.numbers, ['13800138000', '85291234567']);
      assert.deepEqual(s.signNames, ['阿里云短信测试', '另一个签名']);
      assert.deepEqual(s.params, [items[0]!.params, items[1]!.params]);
      assert.deepEqual(outcomes, [
        { ok: true, providerMessageId: s.bizId },
        { ok: true, providerMessageId: s.bizId },
      ]);
    }
    const api = createAliyunApi(config, kit);
    const many = Array.from({ length: 101 }, (_, i) => ({
      number: `139${String(i).padStart(8, '0')}`,
      signName: '阿里云短信测试',
      params: { name: 'x', order: '1' },
    }));
    const over = await sendBatchSms(api, { templateCode: 'SMS_2', items: many });
    assert.equal(over.length, 101);
    assert.ok(over.every((o) => !o.ok && o.code === 'isv.MOBILE_COUNT_OVER_LIMIT'));
    const missing = await sendBatchSms(api, {
      templateCode: 'SMS_2',
      items: [many[0]!, { ...many[1]!, params: { name: 'y' } }],
    });
    assert.ok(missing.every((o) => !o.ok && o.code === 'isv.TEMPLATE_MISSING_PARAMETERS'));
    seen.push(...over, ...missing);
    assert.equal(f.sends.length, 2);
  });

  test('no outcome message ever carries a secret', () => {
    assert.ok(seen.length > 20);
    for (const o of seen) {
      if (o.ok) continue;
      for (const s of secrets) assert.ok(!o.message.includes(s), `${o.code}: ${o.message}`);
    }
  });
});
