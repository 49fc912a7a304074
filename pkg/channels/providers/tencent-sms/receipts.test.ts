import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Receipt } from '../../definition.ts';
import { PULL_MAX_PAGES } from './client.ts';
import { startTencentSmsFake, type TencentSmsFake } from './fake.ts';
import { openTencentTestKits, smsDelivery, smsTemplate, tencentClient, tencentContent } from './fixtures.ts';
import { receiptsOfCallback, receiptsOfPull, shanghaiTime } from './receipts.ts';

/**
 * Receipts (PROVIDERS.md §1.7) by PullSmsSendStatus (a queue the fake consumes as Tencent does)
 * and by callback push, and testConnection, against the fake over real HTTP.
 */
describe('Tencent Cloud SMS: receipts and testConnection', () => {
  let kits: Awaited<ReturnType<typeof openTencentTestKits>>;
  const fakes: TencentSmsFake[] = [];
  before(async () => {
    kits = await openTencentTestKits();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await kits.close();
  });
  const fake = async () => {
    const f = await startTencentSmsFake();
    fakes.push(f);
    return f;
  };
  const numbers = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `+86139${String(from + i).padStart(8, '0')}`);
  const sendAll = async (c: ReturnType<typeof tencentClient>, receivers: string[]) => {
    const outcomes = await c.sendBatch!({
      deliveries: receivers.map(smsDelivery),
      template: smsTemplate,
      content: tencentContent(),
    });
    assert.ok(outcomes.every((o) => o.ok));
    return outcomes;
  };
  const byId = (rs: readonly Receipt[]) => new Map(rs.map((r) => [r.providerMessageId, r]));

  test('pull: every accepted number once, in pages of 100, with state, receiver, time and reason', async () => {
    const f = await fake();
    const c = tencentClient(f, kits.kit());
    const receivers = numbers(250);
    f.receiptFor(receivers[7]!, { status: 'FAIL', errmsg: 'UNDELIV', description: '用户短信送达失败' });
    await sendAll(c, receivers);
    const got = await c.receipts!.pull!([]);
    assert.equal(f.calls('PullSmsSendStatus'), 3);
    assert.equal(got.length, 250);
    const ids = byId(got);
    assert.equal(ids.size, 250, 'a receipt came twice');
    for (const s of f.sent) {
      const r = ids.get(s.serialNo);
      assert.ok(r, `no receipt for ${s.phoneNumber}`);
      assert.equal(r.receiver, s.phoneNumber);
      assert.equal(r.at, Math.floor(s.at / 1000) * 1000);
      const isFail = s.phoneNumber === receivers[7];
      assert.equal(r.state, isFail ? 'failed' : 'delivered');
      assert.equal(r.reason, isFail ? 'UNDELIV' : 'DELIVRD');
    }
    assert.equal(f.queued, 0);
    assert.deepEqual(await c.receipts!.pull!([]), [], 'pulled receipts are consumed');
    for (const req of f.requests.filter((r) => r.headers['x-tc-action'] === 'PullSmsSendStatus')) {
      assert.deepEqual(req.json(), { Limit: 100, SmsSdkAppId: f.sdkAppId });
    }
  });

  test('pull is bounded in pages; the rest waits for the next pull', async () => {
    const f = await fake();
    const c = tencentClient(f, kits.kit());
    await sendAll(c, numbers(PULL_MAX_PAGES * 100 + 50, 1000));
    assert.equal((await c.receipts!.pull!([])).length, PULL_MAX_PAGES * 100);
    assert.equal(f.calls('PullSmsSendStatus'), PULL_MAX_PAGES);
    assert.equal(f.queued, 50);
    assert.equal((await c.receipts!.pull!([])).length, 50);
  });

  test('pull: a failed first page throws (nothing was taken); a failed later page keeps what was taken', async () => {
    const f = await fake();
    const c = tencentClient(f, kits.kit());
    await sendAll(c, numbers(150, 3000));
    f.failNext({ code: 'RequestLimitExceeded' }, { action: 'PullSmsSendStatus' });
    await assert.rejects(c.receipts!.pull!([]), /RequestLimitExceeded/);
    assert.equal(f.queued, 150);
    // First page succeeds, the second answers 503: the 100 taken are returned, 50 stay queued.
    f.failNext({ status: 503 }, { action: 'PullSmsSendStatus', after: 1 });
    const first = await c.receipts!.pull!([]);
    assert.equal(first.length, 100);
    assert.equal(f.queued, 50);
  });

  test('callback: the exact push body Tencent sends becomes receipts, answered {"result":0,"errmsg":"OK"}', async () => {
    const f = await fake();
    const c = tencentClient(f, kits.kit());
    f.receiptFor('+85291234567', { status: 'FAIL', errmsg: 'MK:0001', description: '空号' });
    await sendAll(c, ['+8613900000001', '+8613900000002']);
    await sendAll(c, ['+85291234567']);
    const got = await c.receipts!.callback!({ headers: {}, query: {}, body: f.callbackBody() });
    assert.ok(!('ok' in got), JSON.stringify(got));
    assert.deepEqual(got.reply, { status: 200, body: { result: 0, errmsg: 'OK' } });
    assert.equal(got.receipts.length, 3);
    const ids = byId(got.receipts);
    for (const s of f.sent) {
      const r = ids.get(s.serialNo)!;
      assert.equal(r.receiver, s.phoneNumber);
      assert.equal(r.at, Math.floor(s.at / 1000) * 1000, 'Beijing local time read back as UTC ms');
    }
    const intl = got.receipts.find((r) => r.receiver === '+85291234567')!;
    assert.equal(intl.state, 'failed');
    assert.equal(intl.reason, 'MK:0001');
    assert.equal(got.receipts.filter((r) => r.state === 'delivered' && r.reason === 'DELIVRD').length, 2);
    for (const body of ['{"result":0}', 'not json', '[1,2]', '[[]]', '']) {
      const bad = await c.receipts!.callback!({ headers: {}, query: {}, body });
      assert.ok('ok' in bad && bad.ok === false, `${body} → ${JSON.stringify(bad)}`);
    }
    const empty = await c.receipts!.callback!({ headers: {}, query: {}, body: '[]' });
    assert.ok(!('ok' in empty) && empty.receipts.length === 0);
  });

  test('testConnection: one PullSmsSendStatusByPhoneNumber, nothing sent, no receipt consumed', async () => {
    const f = await fake();
    const c = tencentClient(f, kits.kit());
    await sendAll(c, ['+8613900000009']);
    assert.deepEqual(await c.testConnection!(), { ok: true });
    assert.equal(f.calls('PullSmsSendStatusByPhoneNumber'), 1);
    assert.equal(f.calls('PullSmsSendStatus'), 0);
    assert.equal(f.calls('SendSms'), 1);
    assert.equal(f.queued, 1);
    const req = f.requests.at(-1)!.json() as Record<string, unknown>;
    assert.equal(req.Offset, 0);
    assert.equal((req.EndTime as number) - (req.BeginTime as number), 60);
    const wrong = `${f.secretKey}-wrong`;
    const bad = await tencentClient(f, kits.kit(), { secretKey: wrong }).testConnection!();
    assert.ok(!bad.ok && bad.code === 'AuthFailure.SignatureFailure', JSON.stringify(bad));
    assert.ok(!bad.message.includes(wrong));
    const app = await tencentClient(f, kits.kit(), { sdkAppId: '1400000002' }).testConnection!();
    assert.ok(!app.ok && app.code === 'UnauthorizedOperation.SmsSdkAppIdVerifyFail', JSON.stringify(app));
  });

  test('receipt parsing: Beijing time, Unix seconds, unknown states and missing ids skipped', () => {
    assert.equal(shanghaiTime('2015-10-17 08:03:04'), Date.UTC(2015, 9, 17, 0, 3, 4));
    assert.equal(shanghaiTime('17/10/2015'), undefined);
    const now = 1_700_000_000_000;
    const pulled = receiptsOfPull(
      [
        {
          SerialNo: 'a',
          PhoneNumber: '+8613800138000',
          ReportStatus: 'SUCCESS',
          Description: 'DELIVRD',
          UserReceiveTime: 1_600_000_000,
        },
        {
          SerialNo: 'b',
          CountryCode: '852',
          SubscriberNumber: '91234567',
          ReportStatus: 'FAIL',
          UserReceiveTime: '2020-09-13 20:26:40',
        },
        { SerialNo: 'c', PhoneNumber: '+8613800138000', ReportStatus: 'UNKNOWN' },
        { PhoneNumber: '+8613800138000', ReportStatus: 'SUCCESS' },
        'junk',
      ],
      now,
    );
    assert.deepEqual(pulled, [
      {
        providerMessageId: 'a',
        receiver: '+8613800138000',
        state: 'delivered',
        at: 1_600_000_000_000,
        reason: 'DELIVRD',
      },
      {
        providerMessageId: 'b',
        receiver: '+85291234567',
        state: 'failed',
        at: 1_600_000_000_000,
        reason: 'FAIL',
      },
    ]);
    const pushed = receiptsOfCallback(
      JSON.stringify([
        {
          user_receive_time: '',
          nationcode: '86',
          mobile: '13800138000',
          report_status: 'SUCCESS',
          errmsg: 'DELIVRD',
          sid: 'x',
        },
      ]),
      now,
    );
    assert.deepEqual(pushed, [
      { providerMessageId: 'x', receiver: '+8613800138000', state: 'delivered', at: now, reason: 'DELIVRD' },
    ]);
  });
});
