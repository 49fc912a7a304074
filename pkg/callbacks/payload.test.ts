import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LifecycleEvent } from '../domain/events.ts';
import { callbackPayload, decodeItem, encodeItem, webhookIdOf } from './payload.ts';

const event: LifecycleEvent = {
  messageId: 'm1',
  templateId: 4,
  receiver: '+8613800138000',
  channel: 'sms',
  messageType: 'auth',
  state: 'retrying',
  at: 1_700_000_000_000,
  reason: 'HTTP_503',
};

test('the body is the event in the Standard Webhooks payload shape; bizId only when known', () => {
  assert.deepEqual(callbackPayload(event), {
    type: 'message.retrying',
    timestamp: '2023-11-14T22:13:20.000Z',
    data: { ...event },
  });
  assert.equal(callbackPayload(event, 'order-9').data.bizId, 'order-9');
});

test('webhook ids: one per event, so a repeated state gets a new one', () => {
  assert.equal(webhookIdOf(event), 'm1.retrying.1700000000000');
  assert.notEqual(webhookIdOf({ ...event, at: event.at + 1 }), webhookIdOf(event));
});

test('outbox items round-trip; malformed ones are refused', () => {
  const item = {
    appId: 3,
    webhookId: 'm1.sent.1',
    messageId: 'm1',
    state: 'sent',
    body: '{"a":1}',
    attempts: 2,
    reason: 'HTTP_503',
  };
  assert.deepEqual(decodeItem(encodeItem(item)), item);
  assert.equal(decodeItem({ ...encodeItem(item), app: 'x' }), undefined);
  assert.equal(decodeItem({ ...encodeItem(item), n: '-1' }), undefined);
  assert.equal(decodeItem({ app: '3', wid: 'w' }), undefined);
});
