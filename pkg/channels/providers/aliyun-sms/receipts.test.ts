import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { PendingReceipt, ProviderClient, Receipt } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import type { SmsContent } from '../../sms/content.ts';
import { aliyunSms } from './definition.ts';
import { type AliyunSmsFake, startAliyunSmsFake } from './fake.ts';
import { parseShanghaiTime, shanghaiDate } from './time.ts';

/**
 * Receipts (QuerySendDetails pulls and SmsReport pushes) and testConnection against the fake,
 * on a fake clock shared by client and fake: 2024-01-01 16:30 UTC is already 2 January in
 * Beijing, so a SendDate computed in UTC would find nothing.
 */
describe('Alibaba Cloud SMS (sms/aliyun): receipts and testConnection', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const fakes: AliyunSmsFake[] = [];
  const clock = Date.UTC(2024, 0, 1, 16, 30);
  const now = () => clock;

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await r.cleanup();
  });

  const fake = async () => {
    const f = await startAliyunSmsFake({ templates: { SMS_1: ['code'] }, now });
    fakes.push(f);
    return f;
  };
  const clientOf = (f: AliyunSmsFake, over: Record<string, unknown> = {}) =>
    aliyunSms.create(
      aliyunSms.config.parse({
        accessKeyId: f.accessKeyId,
        accessKeySecret: f.accessKeySecret,
        signName: '阿里云短信测试',
        baseUrl: f.baseUrl,
        ...over,
      }),
      createKit({ redis: r.redis, keys: r.keys, accountId: 1, http, publicHttp: http, now }),
      { id: 1, channel: 'sms', provider: 'aliyun' },
    ) as ProviderClient<SmsContent>;
  const content: SmsContent = {
    text: 'code 1234',
    providers: { aliyun: { templateCode: 'SMS_1', params: { code: '1234' } } },
  };
  const template = testTemplate({ channel: 'sms', content });

  /** Sends to `receivers` in one batch; the pending receipts the scheduler would hand back. */
  const sendAll = async (c: ProviderClient<SmsContent>, receivers: string[]) => {
    const deliveries = receivers.map((receiver) =>
      testDelivery({ id: `m-${randomTag()}`, channel: 'sms', receiver }),
    );
    const outcomes = await c.sendBatch!({ deliveries, template, content });
    return outcomes.map((o, i): PendingReceipt => {
      assert.ok(o.ok && o.providerMessageId, JSON.stringify(o));
      return { providerMessageId: o.providerMessageId, receiver: deliveries[i]!.receiver, sentAt: clock };
    });
  };
  const byReceiver = (list: readonly Receipt[]) => new Map(list.map((x) => [x.receiver, x]));

  for (const signatureVersion of ['acs3', 'rpc'] as const) {
    test(`${signatureVersion}: pull queries each pending send by number, BizId and Beijing date`, async () => {
      const f = await fake();
      const c = clientOf(f, { signatureVersion });
      f.receiptFor.set('13800138001', { sendStatus: 2, errCode: 'MK:0001' });
      f.receiptFor.set('13800138002', { sendStatus: 1, errCode: '' });
      const pending = await sendAll(c, [
        '+8613800138000',
        '+8613800138001',
        '+8613800138002',
        '+85291234567',
      ]);
      const bizId = f.sends[0]!.bizId;
      const got = byReceiver(await c.receipts!.pull!(pending));
      assert.equal(got.size, 3, 'the number still waiting (SendStatus 1) has no receipt yet');
      assert.deepEqual(got.get('+8613800138000'), {
        providerMessageId: bizId,
        receiver: '+8613800138000',
        state: 'delivered',
        at: clock + 1000,
        reason: 'DELIVERED',
      });
      assert.equal(got.get('+8613800138001')?.state, 'failed');
      assert.equal(got.get('+8613800138001')?.reason, 'MK:0001');
      assert.equal(got.get('+85291234567')?.state, 'delivered');
      const queries = f.requests.filter(
        (q) => (q.headers['x-acs-action'] ?? q.query.Action) === 'QuerySendDetails',
      );
      assert.equal(queries.length, 4);
      for (const q of queries) {
        assert.equal(q.query.BizId, bizId);
        assert.equal(q.query.SendDate, '20240102');
        assert.equal(q.query.PageSize, '50');
        assert.equal(q.query.CurrentPage, '1');
      }
      assert.deepEqual(queries.map((q) => q.query.PhoneNumber).toSorted(), [
        '13800138000',
        '13800138001',
        '13800138002',
        '85291234567',
      ]);
      f.setReceipt(bizId, '13800138002', { sendStatus: 3, errCode: 'DELIVERED' });
      const later = await c.receipts!.pull!([pending[2]!]);
      assert.equal(later.length, 1);
      assert.equal(later[0]!.state, 'delivered');
      assert.equal(later[0]!.receiver, '+8613800138002');
    });
  }

  test('a send just before Beijing midnight is also looked up under the next date', async () => {
    const f = await fake();
    const c = clientOf(f);
    const [p] = await sendAll(c, ['+8613800138000']);
    // We noted 23:58 Beijing time; Aliyun recorded the send after midnight, under the next date.
    const got = await c.receipts!.pull!([{ ...p!, sentAt: clock - 32 * 60_000 }]);
    assert.equal(got.length, 1);
    const dates = f.requests.filter((q) => q.query.SendDate).map((q) => q.query.SendDate);
    assert.deepEqual(dates, ['20240101', '20240102']);
  });

  test('a failing query leaves its send pending; when every query fails the pull throws', async () => {
    const f = await fake();
    const c = clientOf(f);
    const pending = await sendAll(c, ['+8613800138000', '+8613800138001']);
    f.fail({ code: 'Throttling.User', status: 400, actions: ['QuerySendDetails'] });
    const partial = await c.receipts!.pull!(pending);
    assert.equal(partial.length, 1);
    f.fail({ code: 'isp.SYSTEM_ERROR', times: Number.POSITIVE_INFINITY, actions: ['QuerySendDetails'] });
    await assert.rejects(c.receipts!.pull!(pending), /isp\.SYSTEM_ERROR/);
    f.clearFailures();
    assert.equal((await c.receipts!.pull!(pending)).length, 2);
    assert.deepEqual(await c.receipts!.pull!([]), []);
    // Older than QuerySendDetails' 30 days, or not a number: not queried at all.
    const before = f.calls('QuerySendDetails');
    await c.receipts!.pull!([
      { ...pending[0]!, sentAt: clock - 31 * 86_400_000 },
      { ...pending[0]!, receiver: 'x' },
    ]);
    assert.equal(f.calls('QuerySendDetails'), before);
  });

  test('callback: the SmsReport push becomes receipts and is acked as Aliyun expects', async () => {
    const f = await fake();
    const c = clientOf(f);
    f.receiptFor.set('13900139000', { sendStatus: 2, errCode: 'IC:0015' });
    await sendAll(c, ['+8613800138000', '+8613900139000']);
    const single = testDelivery({ id: `m-${randomTag()}`, channel: 'sms', receiver: '+85291234567' });
    assert.equal((await c.send({ delivery: single, template, content })).ok, true);
    const res = await c.receipts!.callback!({
      headers: { 'content-type': 'application/json' },
      query: {},
      body: f.pushBody(),
    });
    assert.ok('receipts' in res, JSON.stringify(res));
    assert.deepEqual(res.reply, { status: 200, body: { code: 0, msg: '接收成功' } });
    const got = byReceiver(res.receipts);
    assert.equal(got.size, 3);
    assert.deepEqual(got.get('+8613800138000'), {
      providerMessageId: f.sends[0]!.bizId,
      receiver: '+8613800138000',
      state: 'delivered',
      at: clock + 1000,
      reason: 'DELIVERED',
    });
    assert.equal(got.get('+8613900139000')?.state, 'failed');
    assert.equal(got.get('+8613900139000')?.reason, 'IC:0015');
    assert.equal(got.get('+85291234567')?.messageId, single.id, 'out_id names our message');
    assert.equal(got.get('+85291234567')?.providerMessageId, f.sends[1]!.bizId);
  });

  test('callback: bodies that are not an SmsReport array are refused', async () => {
    const c = clientOf(await fake());
    const call = (body: string) => c.receipts!.callback!({ headers: {}, query: {}, body });
    for (const body of [
      '',
      'not json',
      '{"phone_number":"13800138000"}',
      '[{"success":true}]',
      '[{"biz_id":"1^0","phone_number":"abc"}]',
    ]) {
      const res = await call(body);
      assert.ok('ok' in res && res.ok === false, `${body} → ${JSON.stringify(res)}`);
    }
    const empty = await call('[]');
    assert.ok('receipts' in empty && empty.receipts.length === 0);
  });

  for (const signatureVersion of ['acs3', 'rpc'] as const) {
    test(`${signatureVersion}: testConnection queries a made-up number today, sends nothing`, async () => {
      const f = await fake();
      assert.deepEqual(await clientOf(f, { signatureVersion }).testConnection!(), { ok: true });
      assert.equal(f.calls('QuerySendDetails'), 1);
      assert.equal(f.calls(), 1);
      assert.equal(f.sends.length, 0);
      assert.equal(f.requests[0]!.query.SendDate, shanghaiDate(clock));
      const wrong = `bad-${randomTag()}`;
      const t = await clientOf(f, { signatureVersion, accessKeySecret: wrong }).testConnection!();
      assert.ok(!t.ok && t.code === 'SignatureDoesNotMatch' && !t.message.includes(wrong), JSON.stringify(t));
      f.fail({ code: 'isp.RAM_PERMISSION_DENY', actions: ['QuerySendDetails'] });
      const denied = await clientOf(f, { signatureVersion }).testConnection!();
      assert.ok(!denied.ok && denied.code === 'isp.RAM_PERMISSION_DENY');
    });
  }

  test('Beijing time helpers', () => {
    assert.equal(shanghaiDate(Date.UTC(2024, 0, 1, 15, 59, 59)), '20240101');
    assert.equal(shanghaiDate(Date.UTC(2024, 0, 1, 16, 0, 0)), '20240102');
    assert.equal(parseShanghaiTime('2024-01-02 00:30:00'), Date.UTC(2024, 0, 1, 16, 30));
    assert.equal(parseShanghaiTime('2024-01-02'), undefined);
    assert.equal(parseShanghaiTime(42), undefined);
  });
});
