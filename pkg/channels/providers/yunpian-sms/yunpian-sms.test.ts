import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { freePort, randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import { jsonSchemaOf } from '../../secret.ts';
import type { SmsContent } from '../../sms/content.ts';
import { parseAnswer } from './api.ts';
import { sendGroups, yunpianReceiver } from './client.ts';
import { yunpianSms } from './definition.ts';
import { startYunpianFake, type YunpianFake, type YunpianFakeOptions } from './fake.ts';
import { outcomesOfBatch } from './results.ts';
import { signedText } from './text.ts';

/**
 * The Yunpian provider against its fake: a real local HTTP server checking what Yunpian checks
 * (apikey, required fields, number format, batch size, signature/template, balance, rate and
 * per-number limits) and answering in its shapes, reached through the kit's real HTTP client.
 */
describe('Yunpian SMS (sms/yunpian): sending', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  let quick: HttpClient;
  const fakes: YunpianFake[] = [];
  /** Every outcome any test got, checked at the end for the apikeys used. */
  const seen: SendOutcome[] = [];
  const keys: string[] = [];

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
    quick = createHttpClient({ timeoutMs: 150 });
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await quick.close();
    await r.cleanup();
  });

  const fake = async (opts: YunpianFakeOptions = {}) => {
    const f = await startYunpianFake({ apiKey: `k${randomTag()}${randomTag()}`, ...opts });
    fakes.push(f);
    keys.push(f.apiKey);
    return f;
  };
  const clientOf = (f: YunpianFake, over: Record<string, unknown> = {}, client = http) =>
    yunpianSms.create(
      yunpianSms.config.parse({ apiKey: f.apiKey, baseUrl: f.baseUrl, ...over }),
      createKit({ redis: r.redis, keys: r.keys, accountId: 1, http: client, publicHttp: client }),
      { id: 1, channel: 'sms', provider: 'yunpian' },
    ) as ProviderClient<SmsContent>;

  const content = (text = '【云片网】您的验证码是1234'): SmsContent => ({ text, providers: { yunpian: {} } });
  const template = testTemplate({ channel: 'sms', content: content() });
  const batch = async (c: ProviderClient<SmsContent>, receivers: string[], text?: string) => {
    const out = await c.sendBatch!({
      deliveries: receivers.map((receiver) => testDelivery({ channel: 'sms', receiver })),
      template,
      content: content(text),
    });
    seen.push(...out);
    return out;
  };
  const failed = (o: SendOutcome | undefined): SendFailure => {
    assert.ok(o && !o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };
  /** Distinct mainland numbers of this run. */
  let serial = 0;
  const mainland = (n: number) =>
    Array.from({ length: n }, () => `+86139${String(++serial).padStart(8, '0')}`);

  test('receivers, groups, signatures and 64-bit sids, in isolation', () => {
    assert.equal(yunpianReceiver('+8613800138000'), '13800138000');
    assert.equal(yunpianReceiver('13800138000'), '13800138000');
    assert.equal(yunpianReceiver('+85291234567'), '+85291234567');
    assert.equal(yunpianReceiver('12345'), undefined);
    assert.deepEqual(sendGroups(['13800138000', '+85291234567', undefined, '13800138001', '13800138000']), [
      [0, 3],
      [4],
      [1],
    ]);
    assert.equal(signedText('您的验证码是1', '云片网'), '【云片网】您的验证码是1');
    assert.equal(signedText('【店铺】已发货', '云片网'), '【店铺】已发货');
    assert.equal(signedText('您的验证码是1', undefined), undefined);
    assert.deepEqual(parseAnswer('{"sid":12345678901234567890,"msg":"a \\"sid\\":1"}'), {
      sid: '12345678901234567890',
      msg: 'a "sid":1',
    });
    // Results are matched by mobile, whatever their order and with a `+86` Yunpian may add or drop.
    const data = [
      { code: 10, msg: '手机号黑名单过滤', mobile: '+8613800138001', sid: '0', count: 0 },
      { code: 0, msg: '发送成功', mobile: '13800138000', sid: '77', count: 2 },
    ];
    const [first, second, third] = outcomesOfBatch(
      { data },
      ['13800138000', '13800138001', '13800138002'],
      [],
    );
    assert.deepEqual(first, { ok: true, providerMessageId: '77', segments: 2 });
    assert.equal(failed(second).code, '10');
    const lost = failed(third);
    assert.deepEqual([lost.code, lost.inDoubt], ['BAD_RESPONSE', true]);
  });

  test('one number goes by single_send with the form Yunpian reads; sid and count come back', async () => {
    const f = await fake();
    const [o] = await batch(clientOf(f), ['+8613800138000']);
    assert.equal(f.calls.single_send, 1);
    const form = new URLSearchParams(f.requests[0]!.body);
    assert.deepEqual(Object.fromEntries(form), {
      apikey: f.apiKey,
      mobile: '13800138000',
      text: '【云片网】您的验证码是1234',
    });
    assert.match(f.requests[0]!.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
    // The sid is past 2^53: only a client that never reads it as a number keeps every digit.
    assert.deepEqual(o, { ok: true, providerMessageId: f.sends[0]!.sid, segments: 1 });
    assert.ok(BigInt(f.sends[0]!.sid) > BigInt(Number.MAX_SAFE_INTEGER));
  });

  test('a text without signature gets the account signName; none at all fails NO_SIGNATURE uncalled', async () => {
    const f = await fake();
    const [o] = await batch(clientOf(f, { signName: '好店' }), ['+8613800138001'], '您的订单已发货');
    assert.equal(o?.ok, true);
    assert.equal(f.sends[0]!.text, '【好店】您的订单已发货');
    const long = `【好店】${'长'.repeat(100)}`;
    const [two] = await batch(clientOf(f), ['+8613800138002'], long);
    assert.ok(two?.ok && two.segments === 2, JSON.stringify(two));
    const [none] = await batch(clientOf(f), ['+8613800138003'], '您的订单已发货');
    const x = failed(none);
    assert.equal(x.code, 'NO_SIGNATURE');
    assert.equal(x.retryable, false);
    assert.equal(x.failover, true);
    assert.equal(f.sends.length, 2);
  });

  test('a batch: mainland numbers in one batch_send, international alone, bad receivers never sent', async () => {
    const f = await fake();
    const [a, b] = mainland(2);
    const out = await batch(clientOf(f), [a!, '+85291234567', 'not-a-phone', b!, '12345']);
    assert.deepEqual(f.calls, { single_send: 1, batch_send: 1, pull_status: 0, user_get: 0 });
    const batchForm = new URLSearchParams(f.requests.find((q) => q.path.endsWith('batch_send.json'))!.body);
    assert.equal(batchForm.get('mobile'), `${a!.slice(3)},${b!.slice(3)}`);
    // The international number's `+` must arrive URL-encoded (a raw `+` would read as a space).
    assert.ok(f.requests.some((q) => q.body.includes('mobile=%2B85291234567')));
    const sidOf = (mobile: string) => f.sends.find((s) => s.mobile === mobile)!.sid;
    assert.deepEqual(out[0], { ok: true, providerMessageId: sidOf(a!.slice(3)), segments: 1 });
    assert.deepEqual(out[1], { ok: true, providerMessageId: sidOf('+85291234567'), segments: 1 });
    assert.deepEqual(out[3], { ok: true, providerMessageId: sidOf(b!.slice(3)), segments: 1 });
    for (const i of [2, 4]) {
      const x = failed(out[i]);
      assert.equal(x.code, 'INVALID_NUMBER');
      assert.equal(x.retryable, false);
      assert.equal(x.failover, undefined);
    }
  });

  test('2500 numbers go in calls of at most 1000, each number sent exactly once', async () => {
    const f = await fake();
    const numbers = mainland(2500);
    const out = await batch(clientOf(f), numbers);
    assert.ok(out.every((o) => o.ok));
    const sizes = f.requests.map((q) => new URLSearchParams(q.body).get('mobile')!.split(',').length);
    assert.deepEqual(
      sizes.sort((x, y) => y - x),
      [1000, 1000, 500],
    );
    assert.equal(f.accepted.length, 2500);
    assert.equal(new Set(f.accepted).size, 2500);
    const ids = out.map((o) => (o.ok ? o.providerMessageId : ''));
    assert.equal(new Set(ids).size, 2500);
  });

  test('per-number results map back: bad format and blacklist fail that number only', async () => {
    const f = await fake();
    const [ok1, bad, black, ok2] = mainland(4);
    f.invalidNumbers.add(bad!);
    f.blacklisted.add(black!);
    const out = await batch(clientOf(f), [ok1!, bad!, black!, ok2!]);
    assert.equal(f.calls.batch_send, 1);
    assert.equal(out[0]?.ok, true);
    assert.equal(out[3]?.ok, true);
    const b = failed(out[1]);
    assert.equal(b.code, '2');
    assert.equal(b.failover, undefined);
    const k = failed(out[2]);
    assert.equal(k.code, '10');
    assert.equal(k.retryable, false);
    assert.deepEqual(f.accepted, [ok1!.slice(3), ok2!.slice(3)]);
  });

  test('per-number frequency limits are permanent for the number (8 within 30 s, 22 per hour)', async () => {
    let t = Date.UTC(2030, 0, 1);
    const f = await fake({ now: () => t, hourLimit: 2 });
    const c = clientOf(f);
    const [n, m] = mainland(2);
    assert.equal((await batch(c, [n!]))[0]?.ok, true);
    const again = failed((await batch(c, [n!]))[0]);
    assert.equal(again.code, '8');
    assert.equal(again.retryable, false);
    assert.equal(again.failover, undefined);
    t += 31_000;
    assert.equal((await batch(c, [n!], '【云片网】您的验证码是5678'))[0]?.ok, true);
    const hour = failed((await batch(c, [n!, m!], '【云片网】您的验证码是9999'))[0]);
    assert.equal(hour.code, '22');
    assert.equal(hour.retryable, false);
  });

  test('request-level refusals reach every number of the call, classed by the table', async () => {
    const f = await fake({ balance: 0.12 });
    const c = clientOf(f);
    const poor = await batch(c, mainland(3));
    for (const o of poor) {
      const x = failed(o);
      assert.equal(x.code, '3');
      assert.equal(x.retryable, false);
      assert.equal(x.failover, true);
    }
    f.setBalance(100);
    f.failNext({ code: -5 });
    const slow = failed((await batch(c, mainland(2)))[1]);
    assert.equal(slow.rateLimited, true);
    assert.equal(slow.retryable, true);
    assert.equal(slow.failover, true);
    f.failNext({ code: -51 });
    const busy = failed((await batch(c, mainland(1)))[0]);
    assert.deepEqual([busy.code, busy.retryable, busy.failover], ['-51', true, true]);
    f.failNext({ status: 503 });
    const down = failed((await batch(c, mainland(1)))[0]);
    assert.deepEqual([down.code, down.retryable, down.failover], ['HTTP_503', true, true]);
    f.failNext({ code: -50 });
    const unknown = failed((await batch(c, mainland(1)))[0]);
    assert.deepEqual([unknown.code, unknown.inDoubt, unknown.failover], ['-50', true, undefined]);
    assert.equal((await batch(c, mainland(1)))[0]?.ok, true);
  });

  test('a rate limit from the fake itself, and a wrong apikey stops the calls not yet made', async () => {
    const f = await fake({ maxCallsPerSecond: 1, now: () => 1_900_000_000_000 });
    const c = clientOf(f);
    assert.equal((await batch(c, mainland(1)))[0]?.ok, true);
    assert.equal(failed((await batch(c, mainland(1)))[0]).code, '-5');

    const g = await fake();
    const intl = Array.from({ length: 9 }, (_, i) => `+8529123456${i}`);
    const out = await batch(clientOf(g, { apiKey: `wrong-${randomTag()}` }), intl);
    for (const o of out) {
      const x = failed(o);
      assert.deepEqual([x.code, x.retryable, x.failover], ['-1', false, true]);
    }
    assert.ok(g.calls.single_send < intl.length, `made ${g.calls.single_send} calls with a refused apikey`);
  });

  test('templates: a text matching no approved template is refused (5); a matching one is sent', async () => {
    const f = await fake({ templates: ['【云片网】您的验证码是#code#'] });
    const c = clientOf(f);
    assert.equal((await batch(c, mainland(1), '【云片网】您的验证码是4321'))[0]?.ok, true);
    const x = failed((await batch(c, mainland(1), '【云片网】您的订单已发货'))[0]);
    assert.deepEqual([x.code, x.retryable, x.failover], ['5', false, true]);
  });

  test('no answer in time is HTTP_TIMEOUT in doubt (the fake did take it); a refused port fails over', async () => {
    const f = await fake({ delayMs: 600 });
    const x = failed((await batch(clientOf(f, { timeoutMs: 200 }, quick), mainland(2)))[0]);
    assert.equal(x.code, 'HTTP_TIMEOUT');
    assert.equal(x.inDoubt, true);
    assert.equal(x.failover, undefined);
    assert.equal(f.sends.length, 2, 'the fake accepted the send the client gave up on');

    const key = `secret-${randomTag()}`;
    keys.push(key);
    const down = yunpianSms.create(
      yunpianSms.config.parse({ apiKey: key, baseUrl: `http://127.0.0.1:${await freePort()}` }),
      createKit({ redis: r.redis, keys: r.keys, accountId: 2, http, publicHttp: http }),
      { id: 2, channel: 'sms', provider: 'yunpian' },
    ) as ProviderClient<SmsContent>;
    const y = failed((await batch(down, mainland(1)))[0]);
    assert.deepEqual([y.code, y.retryable, y.failover, y.inDoubt], ['HTTP_CONNECT', true, true, undefined]);
  });

  test('an error answer quoting the apikey is scrubbed', async () => {
    const f = await fake();
    f.failNext({ status: 500, body: `internal error for apikey=${f.apiKey}` });
    const x = failed((await batch(clientOf(f), mainland(1)))[0]);
    assert.equal(x.code, 'HTTP_500');
    assert.ok(x.message.includes('apikey=***'), x.message);
    f.failNext({ code: -3, detail: `IP 10.0.0.1 not allowed for ${f.apiKey}` });
    const y = failed((await batch(clientOf(f), mainland(1)))[0]);
    assert.equal(y.code, '-3');
    assert.ok(!y.message.includes(f.apiKey));
  });

  test('no outcome of any test carries an apikey', () => {
    assert.ok(seen.length > 2500);
    for (const o of seen) {
      if (o.ok) continue;
      for (const k of keys) assert.ok(!o.message.includes(k), `${o.code}: ${o.message}`);
    }
  });

  test('the definition: sms/yunpian, apiKey writeOnly, baseUrl default, batch of 1000', () => {
    assert.equal(yunpianSms.channel, 'sms');
    assert.equal(yunpianSms.provider, 'yunpian');
    assert.deepEqual(yunpianSms.capabilities, { batch: 1000, receipts: true, testConnection: true });
    const schema = jsonSchemaOf(yunpianSms.config) as { properties: Record<string, { writeOnly?: boolean }> };
    assert.equal(schema.properties.apiKey?.writeOnly, true);
    assert.equal(schema.properties.signName?.writeOnly, undefined);
    assert.equal(yunpianSms.config.parse({ apiKey: 'k' }).baseUrl, 'https://sms.yunpian.com');
    assert.equal(yunpianSms.config.safeParse({ apiKey: 'k', signName: '【云片】' }).success, false);
    assert.equal(yunpianSms.config.safeParse({ apiKey: '' }).success, false);
    assert.equal(yunpianSms.accepts?.(content()), true);
    assert.equal(
      yunpianSms.accepts?.({ text: 'x', providers: { tencent: { templateId: '1', params: [] } } }),
      false,
    );
  });
});
