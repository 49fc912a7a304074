import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { feishuSign, signFields } from './sign.ts';

/**
 * The Feishu custom bot signature against the PROVIDERS.md §8.2 vectors. Both are marked
 * *computed here*; the first uses the guide's example timestamp and secret and is the value
 * independent projects' tests agree on, recomputed with Python's hmac as well.
 */

test('vector 1: timestamp 1599360473, secret "demo"', () => {
  assert.equal(feishuSign(1599360473, 'demo'), 'l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=');
  assert.equal(feishuSign('1599360473', 'demo'), 'l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=');
});

test('vector 2: timestamp 1700000000, secret "SECRET_EXAMPLE"', () => {
  assert.equal(feishuSign(1700000000, 'SECRET_EXAMPLE'), 'thU/1x0I4lE0CuHxRF21L1p6jHXsCVAu5pqjLokRtiA=');
});

test('the key is the string to sign and the message is empty, not the DingTalk arrangement', () => {
  const ts = 1700000000;
  const secret = 'SECRET_EXAMPLE';
  const dingtalkStyle = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
  assert.notEqual(feishuSign(ts, secret), dingtalkStyle);
  assert.equal(
    feishuSign(ts, secret),
    createHmac('sha256', `${ts}\n${secret}`).update(Buffer.alloc(0)).digest('base64'),
  );
});

test('signFields: the timestamp is whole seconds of the clock, sent as a string', () => {
  assert.deepEqual(signFields(1599360473_999, 'demo'), {
    timestamp: '1599360473',
    sign: 'l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=',
  });
  assert.notEqual(signFields(1599360474_000, 'demo').sign, signFields(1599360473_000, 'demo').sign);
  assert.notEqual(signFields(1599360473_000, 'demo2').sign, signFields(1599360473_000, 'demo').sign);
});
