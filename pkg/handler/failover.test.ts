import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Settlement } from '../bus/entry.ts';
import { createCatalog } from '../channels/catalog.ts';
import { aliyunSms } from '../channels/providers/aliyun-sms/definition.ts';
import {
  type AliyunSmsFake,
  aliyunAccountConfig,
  startAliyunSmsFake,
} from '../channels/providers/aliyun-sms/fake.ts';
import { tencentSms } from '../channels/providers/tencent-sms/definition.ts';
import { startTencentSmsFake, type TencentSmsFake } from '../channels/providers/tencent-sms/fake.ts';
import { tencentAccountConfig } from '../channels/providers/tencent-sms/fixtures.ts';
import type { SenderAccount } from '../channels/sender.ts';
import { createPlatformSenders } from '../channels/senders.ts';
import { type Delivery, encodeDelivery, fieldsToRecord } from '../domain/delivery.ts';
import { decodeEvent } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import type { Template } from '../domain/template.ts';
import { createLedger } from '../lifecycle/ledger.ts';
import { readTrace } from '../lifecycle/trace.ts';
import { silentLogger } from '../telemetry/logger.ts';
import { testDelivery, testTemplate } from '../testkit/messages.ts';
import { testRedis } from '../testkit/testkit.ts';
import { createDeliver } from './deliver.ts';

// Routing and failover in the handler's deliver step, against the Tencent and Aliyun fakes over
// real HTTP: an answer proving the message was not taken hands it to the next account within the
// same attempt; a timeout after the request went out is in doubt and stays on its account.
describe('SMS routing: failover within the attempt, in-doubt retries stay on their account', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let tencent: TencentSmsFake;
  let aliyun: AliyunSmsFake;
  let platform: ReturnType<typeof createPlatformSenders>;
  const accounts = new Map<number, SenderAccount>();

  before(async () => {
    r = await testRedis();
    tencent = await startTencentSmsFake({ templates: { '1001': '您的验证码是{1}' } });
    aliyun = await startAliyunSmsFake({ templates: { SMS_1: ['code'] } });
    accounts.set(1, {
      id: 1,
      channel: 'sms',
      provider: 'tencent',
      config: { ...tencentAccountConfig(tencent), timeoutMs: 300 },
      updatedAt: 1,
    });
    accounts.set(2, {
      id: 2,
      channel: 'sms',
      provider: 'aliyun',
      config: aliyunAccountConfig(aliyun, '阿里云'),
      updatedAt: 1,
    });
    platform = createPlatformSenders({
      catalog: createCatalog([tencentSms, aliyunSms]),
      redis: r.redis,
      keys: r.keys,
      loadAccount: async (id) => accounts.get(id),
      breaker: { threshold: 50, halfOpenAfterMs: 1000 },
    });
  });
  after(async () => {
    await platform.close();
    await tencent.close();
    await aliyun.close();
    await r.cleanup();
  });

  const both = {
    tencent: { templateId: '1001', params: ['{$code}'] },
    aliyun: { templateCode: 'SMS_1', params: { code: '{$code}' } },
  };
  const routedTemplate = (providers: object): Template =>
    testTemplate({
      id: 7,
      channel: 'sms',
      accountId: null,
      content: { text: '【测试】验证码{$code}', providers },
    });
  const ledger = () => createLedger({ redis: r.redis, keys: r.keys, partitions: 2, ttlMs: 60_000 });
  const deliverWith = (template: Template, l = ledger()) =>
    createDeliver({
      ledger: l,
      routeOf: () => 'sms.notice',
      template: async () => template,
      account: async (id) => accounts.get(id),
      sender: (a) => platform.senders.forAccount(a),
      // Tencent first for every message: what the failover does is then the only variable.
      routing: () => [
        { accountId: 1, weight: 1 },
        { accountId: 2, weight: 0 },
      ],
      retry: { maxAttempts: 5, baseMs: 10, maxMs: 1000 },
      consumer: 'test',
      log: silentLogger,
    });
  const run = (deliver: ReturnType<typeof createDeliver>, fields: Record<string, string>) =>
    deliver({ stream: 's', id: '1-0', fields, deliveries: 1 });
  const fieldsOf = (d: Delivery) => fieldsToRecord(encodeDelivery(d));
  const sms = (receiver: string): Delivery =>
    testDelivery({ id: newId(), channel: 'sms', templateId: 7, receiver, variables: { code: '4321' } });
  /** The account of the message's last event (the one that sent or failed it). */
  const lastAccount = async (id: string) => {
    const entries = [
      ...(await r.redis.xrange(r.keys.events(0), '-', '+')),
      ...(await r.redis.xrange(r.keys.events(1), '-', '+')),
    ];
    const events = entries.map(([, f]) => decodeEvent(fieldsToRecord(f))!).filter((e) => e.messageId === id);
    return events.at(-1)?.accountId;
  };

  test('an account-level refusal (insufficient balance) goes to the next account in the same attempt', async () => {
    const l = ledger();
    const deliver = deliverWith(routedTemplate(both), l);
    tencent.failNext({ code: 'FailedOperation.InsufficientBalanceInSmsPackage' });
    const d = sms('+8613900000001');
    const s: Settlement = await run(deliver, fieldsOf(d));
    assert.equal(s.kind, 'ack');
    assert.equal((await l.record(d.id))?.st, 'sent');
    assert.deepEqual(aliyun.acceptedNumbers(), ['13900000001'], 'Aliyun took it');
    assert.equal(await lastAccount(d.id), 2, 'the sent event names the account that sent');
    const trace = await readTrace({ redis: r.redis, keys: r.keys, partitions: 2 }, d.id);
    assert.deepEqual(
      trace?.timeline.map((e) => e.state),
      ['sent'],
      'no retry: the failover happened within the attempt',
    );
  });

  test('a per-number refusal fails the message without trying another provider', async () => {
    const l = ledger();
    const deliver = deliverWith(routedTemplate(both), l);
    const before = aliyun.acceptedNumbers().length;
    tencent.failNumber('+8613900000002');
    const d = sms('+8613900000002');
    const s = await run(deliver, fieldsOf(d));
    assert.equal(s.kind, 'dead');
    assert.equal((await l.record(d.id))?.st, 'failed');
    assert.equal(aliyun.acceptedNumbers().length, before, 'not failed over');
  });

  test('a timeout after the request went out is in doubt: marked so, retried on the same account only', async () => {
    const l = ledger();
    const deliver = deliverWith(routedTemplate(both), l);
    const before = aliyun.acceptedNumbers().length;
    tencent.delay(800);
    const d = sms('+8613900000003');
    const s = await run(deliver, fieldsOf(d));
    assert.equal(s.kind, 'delay', 'retried later');
    const retry = s.kind === 'delay' ? s.fields : {};
    assert.equal(retry.pin, '1', 'pinned to the account the request went to');
    assert.equal(retry.att, '2');
    const trace = await readTrace({ redis: r.redis, keys: r.keys, partitions: 2 }, d.id);
    assert.match(trace?.timeline.at(-1)?.reason ?? '', /^IN_DOUBT HTTP_TIMEOUT/);
    assert.equal(aliyun.acceptedNumbers().length, before, 'never failed over');

    // Even with Tencent now refusing outright, the pinned retry does not move to Aliyun.
    tencent.delay(0);
    tencent.failNext({ status: 503 });
    const again = await run(deliver, retry);
    assert.equal(again.kind, 'delay');
    assert.equal(again.kind === 'delay' && again.fields.pin, '1');
    assert.equal(aliyun.acceptedNumbers().length, before);
    const last = await run(deliver, again.kind === 'delay' ? again.fields : {});
    assert.equal(last.kind, 'ack');
    assert.equal(await lastAccount(d.id), 1);
    assert.ok(tencent.sentTo('+8613900000003') >= 1);
  });

  test('no account of the route can take the content: failed as NO_ACCOUNT, nothing sent', async () => {
    const l = ledger();
    const deliver = deliverWith(routedTemplate({ yunpian: {} }), l);
    const d = sms('+8613900000004');
    const s = await run(deliver, fieldsOf(d));
    assert.equal(s.kind, 'dead');
    assert.equal(s.kind === 'dead' && s.fields.dlq_reason, 'NO_ACCOUNT');
    assert.equal(tencent.sentTo('+8613900000004'), 0);
  });
});
