import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonSchemaOf } from '../../secret.ts';
import { payloadBytes, toFcmMessage } from './content.ts';
import { fcmPush } from './definition.ts';
import { testServiceAccountKey } from './fake.ts';

const c = fcmPush.content;
/** Asserts whether `v` parses (assert.ok without a message can hang node under tsx when it fails). */
const accepts = (v: unknown, want: boolean, label = JSON.stringify(v).slice(0, 80)) =>
  assert.equal(c.safeParse(v).success, want, label);

test('content: title and body required, click actions are https links or action names', () => {
  accepts({ title: 'Order {$order}', body: 'Shipped' }, true);
  accepts({ title: 'Hi' }, false);
  accepts({ title: '', body: 'x' }, false);
  accepts({ title: 'Hi', body: 'x', sound: 'default' }, false, 'unknown fields are refused');
  accepts({ title: 'Hi', body: 'x', clickAction: 'https://shop.example/o/{$order}' }, true);
  accepts({ title: 'Hi', body: 'x', clickAction: 'com.shop.OPEN_ORDER' }, true);
  accepts({ title: 'Hi', body: 'x', clickAction: 'http://shop.example/o/1' }, false);
  accepts({ title: 'Hi', body: 'x', clickAction: 'open order' }, false);
});

test('content: badge is a count or a placeholder; data is a string map without FCM’s keys', () => {
  assert.equal(c.parse({ title: 'a', body: 'b', badge: 4 }).badge, 4);
  assert.equal(c.parse({ title: 'a', body: 'b', badge: '4' }).badge, 4);
  assert.equal(c.parse({ title: 'a', body: 'b', badge: '{$n}' }).badge, '{$n}');
  // What was stored parses again to the same value (the sender parses the rendered content).
  const stored = c.parse({ title: 'a', body: 'b', badge: '7', data: { k: 'v' } });
  assert.deepEqual(c.parse(stored), stored);
  accepts({ title: 'a', body: 'b', badge: -1 }, false);
  accepts({ title: 'a', body: 'b', badge: 'many' }, false);
  accepts({ title: 'a', body: 'b', data: { n: 1 } }, false);
  for (const k of ['from', 'message_type', 'google.sent_time', 'gcm.notification.x', 'GoogleThing']) {
    accepts({ title: 'a', body: 'b', data: { [k]: 'v' } }, false, k);
  }
  accepts({ title: 'a', body: 'b', data: { collapse_key: 'v', order: '1' } }, true);
});

test('content: the 4096-byte payload limit counts UTF-8 bytes of title, body, action and data', () => {
  assert.equal(payloadBytes({ title: '单', body: 'ab', clickAction: 'X', data: { k: 'vv' } }), 3 + 2 + 1 + 3);
  // 1365 CJK characters are 4095 bytes: with a 1-byte body the payload is 4096.
  accepts({ title: '单'.repeat(1365), body: 'b' }, true);
  accepts({ title: '单'.repeat(1365), body: 'bb' }, false);
  accepts({ title: 'a', body: 'b', data: { big: 'x'.repeat(4094) } }, false);
});

test('content: an unrendered badge makes no message', () => {
  assert.equal(toFcmMessage({ title: 'a', body: 'b', badge: '{$n}' }, 'tok'), undefined);
});

test('config: the private key is writeOnly, read from \\n escapes, and must be an RSA key', () => {
  const { privateKey } = testServiceAccountKey();
  const base = { projectId: 'my-app-123', clientEmail: 'push@my-app-123.iam.gserviceaccount.com' };
  const schema = jsonSchemaOf(fcmPush.config) as { properties: Record<string, { writeOnly?: boolean }> };
  assert.equal(schema.properties.privateKey?.writeOnly, true);
  assert.equal(schema.properties.clientEmail?.writeOnly, undefined);
  const cfg = fcmPush.config.parse({ ...base, privateKey: privateKey.replace(/\n/g, '\\n') });
  assert.equal(cfg.privateKey, privateKey.trim());
  assert.equal(cfg.tokenUri, 'https://oauth2.googleapis.com/token');
  assert.equal(cfg.baseUrl, 'https://fcm.googleapis.com');
  assert.equal(cfg.timeoutMs, 15_000);
  assert.deepEqual(fcmPush.config.parse(cfg), cfg, 'a parsed config parses to itself');
  const bad = fcmPush.config.safeParse({
    ...base,
    privateKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----',
  });
  assert.equal(bad.success, false);
  assert.ok(!JSON.stringify(bad.error?.issues).includes('nope'), 'the refusal never quotes the key');
  assert.equal(fcmPush.config.safeParse({ ...base, privateKey, projectId: 'My App' }).success, false);
  assert.equal(fcmPush.config.safeParse({ ...base, privateKey, extra: 1 }).success, false);
});

test('definition: push/fcm to device tokens, no batch, a connection test', () => {
  assert.equal(fcmPush.channel, 'push');
  assert.equal(fcmPush.provider, 'fcm');
  assert.deepEqual(fcmPush.receivers, ['device_token']);
  assert.deepEqual(fcmPush.capabilities, { testConnection: true });
  assert.ok(Object.isFrozen(fcmPush) && Object.isFrozen(fcmPush.errors), 'frozen');
  for (const code of ['HTTP_TIMEOUT', 'HTTP_429', 'UNREGISTERED', 'UNAUTHENTICATED'])
    assert.ok(code in fcmPush.errors, code);
});
