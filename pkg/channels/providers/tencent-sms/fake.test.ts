import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tencentApi } from './api.ts';
import { tencentSmsConfig } from './config.ts';
import { startTencentSmsFake, type TencentSmsFake } from './fake.ts';
import { openTencentTestKits } from './fixtures.ts';
import { tc3Sign } from './sign.ts';

/**
 * The fake refuses what Tencent refuses (requests the client never builds, sent raw through the
 * signed API layer or by hand), so that the client's tests against it mean something.
 */
describe('the Tencent SMS fake checks what Tencent checks', () => {
  let kits: Awaited<ReturnType<typeof openTencentTestKits>>;
  let f: TencentSmsFake;
  before(async () => {
    kits = await openTencentTestKits();
    f = await startTencentSmsFake();
  });
  after(async () => {
    await f.close();
    await kits.close();
  });
  const api = (over: Record<string, unknown> = {}) =>
    tencentApi(
      tencentSmsConfig.parse({
        secretId: f.secretId,
        secretKey: f.secretKey,
        sdkAppId: f.sdkAppId,
        signName: f.signName,
        baseUrl: f.baseUrl,
        ...over,
      }),
      kits.kit(),
    );
  const sms = (over: Record<string, unknown>) => ({
    SmsSdkAppId: f.sdkAppId,
    TemplateId: '1001',
    TemplateParamSet: ['1', '2'],
    SignName: f.signName,
    ...over,
  });
  const codeOf = (r: Awaited<ReturnType<ReturnType<typeof api>['call']>>) => (r.ok ? 'ok' : r.code);

  test('more than 200 numbers, mixed regions, an empty set, an unknown app are refused whole', async () => {
    const many = Array.from({ length: 201 }, (_, i) => `+86137${String(i).padStart(8, '0')}`);
    const a = api();
    assert.equal(
      codeOf(await a.call('SendSms', sms({ PhoneNumberSet: many }))),
      'LimitExceeded.PhoneNumberCountLimit',
    );
    assert.equal(
      codeOf(await a.call('SendSms', sms({ PhoneNumberSet: ['+8613700000000', '+85291234567'] }))),
      'UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber',
    );
    assert.equal(
      codeOf(await a.call('SendSms', sms({ PhoneNumberSet: [] }))),
      'MissingParameter.EmptyPhoneNumberSet',
    );
    assert.equal(
      codeOf(await a.call('SendSms', sms({ PhoneNumberSet: ['+8613700000000'], SmsSdkAppId: '1400000003' }))),
      'UnauthorizedOperation.SmsSdkAppIdVerifyFail',
    );
    assert.equal(codeOf(await a.call('SendSms', sms({ PhoneNumberSet: many.slice(0, 200) }))), 'ok');
    assert.equal(f.sent.length, 200);
  });

  test('numbers not in E.164 are refused one by one; a mainland call without a sign name too', async () => {
    const r = await api().call('SendSms', sms({ PhoneNumberSet: ['13500000001', '+8613500000002'] }));
    assert.ok(r.ok);
    const codes = (r.response.SendStatusSet as { Code: string }[]).map((s) => s.Code);
    assert.deepEqual(codes, ['InvalidParameterValue.IncorrectPhoneNumber', 'Ok']);
    const unsigned = await api().call(
      'SendSms',
      sms({ PhoneNumberSet: ['+8613500000003'], SignName: undefined }),
    );
    assert.ok(unsigned.ok);
    assert.equal(
      (unsigned.response.SendStatusSet as { Code: string }[])[0]!.Code,
      'FailedOperation.SignatureIncorrectOrUnapproved',
    );
  });

  test('pull limits: Limit 1..100; by-number BeginTime within 7 days, Offset 0', async () => {
    const a = api();
    assert.equal(
      codeOf(await a.call('PullSmsSendStatus', { Limit: 101, SmsSdkAppId: f.sdkAppId })),
      'InvalidParameterValue.LimitVerifyFail',
    );
    const now = Math.floor(Date.now() / 1000);
    const by = {
      BeginTime: now - 60,
      Offset: 0,
      Limit: 10,
      PhoneNumber: '+8613500000002',
      SmsSdkAppId: f.sdkAppId,
    };
    const hit = await a.call('PullSmsSendStatusByPhoneNumber', by);
    assert.ok(hit.ok);
    assert.equal(
      (hit.response.PullSmsSendStatusSet as unknown[]).length,
      1,
      'the number sent above has its receipt',
    );
    assert.equal(
      codeOf(await a.call('PullSmsSendStatusByPhoneNumber', { ...by, BeginTime: now - 8 * 86400 })),
      'InvalidParameterValue.BeginTimeVerifyFail',
    );
    assert.equal(
      codeOf(await a.call('PullSmsSendStatusByPhoneNumber', { ...by, Offset: 5 })),
      'InvalidParameterValue.OffsetVerifyFail',
    );
  });

  test('the signature covers body, host and action; a reused header on a changed body is refused', async () => {
    const body = JSON.stringify({ Limit: 1, SmsSdkAppId: f.sdkAppId });
    const ts = Math.floor(Date.now() / 1000);
    const host = new URL(f.baseUrl).host;
    const post = async (
      signedBody: string,
      sentBody: string,
      signedHost = host,
      action = 'PullSmsSendStatus',
    ) => {
      const { authorization } = tc3Sign({
        secretId: f.secretId,
        secretKey: f.secretKey,
        service: 'sms',
        timestamp: ts,
        headers: { 'content-type': 'application/json', host: signedHost, 'x-tc-action': action },
        payload: signedBody,
      });
      const res = await fetch(`${f.baseUrl}/`, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/json',
          'x-tc-action': 'PullSmsSendStatus',
          'x-tc-timestamp': String(ts),
          'x-tc-version': '2021-01-11',
          'x-tc-region': 'ap-guangzhou',
        },
        body: sentBody,
      });
      const json = (await res.json()) as { Response: { Error?: { Code: string } } };
      return json.Response.Error?.Code ?? 'ok';
    };
    assert.equal(await post(body, body), 'ok');
    assert.equal(await post(body, body.replace('"Limit":1', '"Limit":9')), 'AuthFailure.SignatureFailure');
    assert.equal(await post(body, body, 'sms.tencentcloudapi.com'), 'AuthFailure.SignatureFailure');
    assert.equal(await post(body, body, host, 'SendSms'), 'AuthFailure.SignatureFailure');
  });

  test('failAlways holds until recover; counters count every call by action', async () => {
    const a = api();
    const before = f.calls('SendSms');
    f.failAlways({ code: 'InternalError' });
    for (let i = 0; i < 3; i++) {
      assert.equal(
        codeOf(await a.call('SendSms', sms({ PhoneNumberSet: ['+8613500000004'] }))),
        'InternalError',
      );
    }
    f.recover();
    assert.equal(codeOf(await a.call('SendSms', sms({ PhoneNumberSet: ['+8613500000004'] }))), 'ok');
    assert.equal(f.calls('SendSms') - before, 4);
    assert.equal(f.sentTo('+8613500000004'), 1);
  });
});
