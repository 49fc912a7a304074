import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, Receipt } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import type { SmsContent } from '../../sms/content.ts';
import { yunpianSms } from './definition.ts';
import { startYunpianFake, type YunpianFake, type YunpianFakeOptions } from './fake.ts';
import { PULL_MAX_PAGES, PULL_PAGE_SIZE, shanghaiTime } from './receipts.ts';

/**
 * Yunpian receipts (pull queue and push) and the connection test, against the fake: every
 * number it accepted has a status report queued for `pull_status.json`, and the fake builds the
 * exact form body Yunpian would push.
 */
describe('Yunpian SMS (sms/yunpian): receipts and connection test', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const fakes: YunpianFake[] = [];
  // Yunpian writes Shanghai local times to the second: the clock sits on a whole second.
  const T0 = Date.UTC(2031, 4, 6, 1, 2, 3);

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await r.cleanup();
  });

  const fake = async (opts: YunpianFakeOptions = {}) => {
    const f = await startYunpianFake({ apiKey: `k${randomTag()}${randomTag()}`, now: () => T0, ...opts });
    fakes.push(f);
    return f;
  };
  const clientOf = (f: YunpianFake, over: Record<string, unknown> = {}) =>
    yunpianSms.create(
      yunpianSms.config.parse({ apiKey: f.apiKey, baseUrl: f.baseUrl, ...over }),
      createKit({ redis: r.redis, keys: r.keys, accountId: 1, http, publicHttp: http, now: () => T0 + 5000 }),
      { id: 1, channel: 'sms', provider: 'yunpian' },
    ) as ProviderClient<SmsContent>;
  const content: SmsContent = { text: '【云片网】您的订单已发货', providers: { yunpian: {} } };
  const sendTo = (c: ProviderClient<SmsContent>, receivers: string[]) =>
    c.sendBatch!({
      deliveries: receivers.map((receiver) => testDelivery({ channel: 'sms', receiver })),
      template: testTemplate({ channel: 'sms', content }),
      content,
    });
  let serial = 0;
  const numbers = (n: number) =>
    Array.from({ length: n }, () => `+86137${String(++serial).padStart(8, '0')}`);
  const byId = (list: readonly Receipt[]) => new Map(list.map((x) => [x.providerMessageId, x]));

  test('Shanghai local times read as UTC+8', () => {
    assert.equal(shanghaiTime('2014-03-17 22:55:21'), Date.UTC(2014, 2, 17, 14, 55, 21));
    assert.equal(shanghaiTime(null), undefined);
    assert.equal(shanghaiTime('yesterday'), undefined);
  });

  test('pull drains the queue in pages of 100 while they come back full; receipts name sid and number', async () => {
    const f = await fake();
    const c = clientOf(f);
    const sent = numbers(250);
    const failing = sent[7]!;
    f.receiptFailures.set(failing, 'DB:0140');
    const outcomes = await sendTo(c, sent);
    assert.ok(outcomes.every((o) => o.ok));

    const got = await c.receipts!.pull!([]);
    assert.equal(f.calls.pull_status, 3);
    assert.ok(
      f.requests
        .filter((q) => q.path.endsWith('pull_status.json'))
        .every((q) => q.body.includes('page_size=100')),
    );
    assert.equal(got.length, 250);
    const ids = byId(got);
    sent.forEach((number, i) => {
      const o = outcomes[i]!;
      assert.ok(o.ok && o.providerMessageId);
      const receipt = ids.get(o.providerMessageId);
      assert.ok(receipt, `no receipt for ${number}`);
      assert.equal(receipt.receiver, number);
      assert.equal(receipt.at, T0);
      if (number === failing) assert.deepEqual([receipt.state, receipt.reason], ['failed', 'DB:0140']);
      else assert.deepEqual([receipt.state, receipt.reason], ['delivered', 'SUCCESS']);
    });
    // The queue is consumed: the next pull finds nothing.
    assert.deepEqual(await c.receipts!.pull!([]), []);
  });

  test('one pull is bounded; what is left comes with the next', async () => {
    const f = await fake();
    const c = clientOf(f);
    const total = PULL_PAGE_SIZE * PULL_MAX_PAGES + 37;
    await sendTo(c, numbers(total));
    const first = await c.receipts!.pull!([]);
    assert.equal(first.length, PULL_PAGE_SIZE * PULL_MAX_PAGES);
    assert.equal(f.queuedReports, 37);
    const second = await c.receipts!.pull!([]);
    assert.equal(second.length, 37);
    assert.equal(new Set([...first, ...second].map((x) => x.providerMessageId)).size, total);
  });

  test('a failed pull rejects without the apikey; a failure after a page keeps that page', async () => {
    const f = await fake();
    const c = clientOf(f);
    await sendTo(c, numbers(150));
    f.failNext({ code: -1, detail: `bad key ${f.apiKey}` }, 1, ['pull_status']);
    await assert.rejects(c.receipts!.pull!([]), (err: Error) => {
      assert.match(err.message, /-1/);
      assert.ok(!err.message.includes(f.apiKey), err.message);
      return true;
    });
    assert.equal(f.queuedReports, 150);
    f.failNext({ code: -51 }, 1, ['pull_status'], 1);
    const got = await c.receipts!.pull!([]);
    assert.equal(got.length, 100, 'the first page was consumed: its receipts must not be lost');
    assert.equal((await c.receipts!.pull!([])).length, 50);
  });

  test('the push: the fake’s exact body parses into the same receipts, and the reply is SUCCESS', async () => {
    const f = await fake();
    const c = clientOf(f);
    const sent = numbers(3);
    f.receiptFailures.set(sent[1]!, 'YP:54');
    const outcomes = await sendTo(c, [...sent, '+85291234567']);
    const body = f.pushBody();
    const got = await c.receipts!.callback!({ headers: {}, query: {}, body });
    assert.ok(!('ok' in got), JSON.stringify(got));
    assert.deepEqual(got.reply, { status: 200, body: 'SUCCESS' });
    assert.equal(got.receipts.length, 4);
    const ids = byId(got.receipts);
    outcomes.forEach((o, i) => {
      assert.ok(o.ok && o.providerMessageId);
      const receipt = ids.get(o.providerMessageId);
      assert.equal(receipt?.receiver, [...sent, '+85291234567'][i]);
      assert.equal(receipt?.state, i === 1 ? 'failed' : 'delivered');
      assert.equal(receipt?.at, T0);
    });
    // Some senders encode the JSON twice (◐): still read.
    const json = new URLSearchParams(body).get('sms_status')!;
    const twice = await c.receipts!.callback!({
      headers: {},
      query: {},
      body: `sms_status=${encodeURIComponent(encodeURIComponent(json))}`,
    });
    assert.ok(!('ok' in twice) && twice.receipts.length === 4);
  });

  test('a push that is not Yunpian’s shape is refused', async () => {
    const c = clientOf(await fake());
    for (const body of [
      '',
      'foo=bar',
      'sms_status=%7B%22sid%22%3A1%7D',
      'sms_status=not-json',
      'sms_status=%5B1%5D',
    ]) {
      const got = await c.receipts!.callback!({ headers: {}, query: {}, body });
      assert.ok('ok' in got && got.ok === false, `${body}: ${JSON.stringify(got)}`);
    }
    const empty = await c.receipts!.callback!({ headers: {}, query: {}, body: 'sms_status=%5B%5D' });
    assert.ok(!('ok' in empty) && empty.receipts.length === 0);
  });

  test('testConnection reads user/get.json: ok with the right apikey, -1 without showing the wrong one', async () => {
    const f = await fake();
    assert.deepEqual(await clientOf(f).testConnection!(), { ok: true });
    const wrong = `wrong-${randomTag()}`;
    const t = await clientOf(f, { apiKey: wrong }).testConnection!();
    assert.equal(t.ok, false);
    assert.ok(!t.ok && t.code === '-1' && !t.message.includes(wrong), JSON.stringify(t));
    assert.equal(f.calls.user_get, 2);
    assert.deepEqual([f.calls.single_send, f.calls.batch_send, f.calls.pull_status], [0, 0, 0]);
    f.failNext({ status: 502 }, 1, ['user_get']);
    const down = await clientOf(f).testConnection!();
    assert.ok(!down.ok && down.code === 'HTTP_502', JSON.stringify(down));
  });
});
