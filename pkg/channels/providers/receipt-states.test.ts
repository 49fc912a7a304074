import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { receiptsOfCallback } from './tencent-sms/receipts.ts';
import { receiptsOf } from './yunpian-sms/receipts.ts';

/** Receipt statuses come from a pushed body: names of Object.prototype are unknown states. */
describe('receipt states are looked up as own keys only', () => {
  const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

  test('tencent: a push with such a report_status is skipped, a known one kept', () => {
    const body = JSON.stringify([
      ...NAMES.map((s, i) => ({ sid: `1:${i}`, report_status: s, nationcode: '86', mobile: '13800138000' })),
      { sid: '2:1', report_status: 'SUCCESS', nationcode: '86', mobile: '13800138000', errmsg: 'DELIVRD' },
    ]);
    const got = receiptsOfCallback(body, Date.now());
    assert.deepEqual(
      got?.map((r) => [r.providerMessageId, r.state]),
      [['2:1', 'delivered']],
    );
  });

  test('yunpian: the same', () => {
    const list = [
      ...NAMES.map((s, i) => ({ sid: String(100 + i), report_status: s, mobile: '13800138000' })),
      { sid: '7', report_status: 'SUCCESS', mobile: '13800138000' },
    ];
    assert.deepEqual(
      receiptsOf(list, Date.now())?.map((r) => [r.providerMessageId, r.state]),
      [['7', 'delivered']],
    );
  });
});
