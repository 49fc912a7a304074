import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonSchemaOf } from '../../secret.ts';
import { pushContent } from './content.ts';
import { getuiPush } from './definition.ts';
import { toGetuiMessage } from './message.ts';

describe('push content and the GeTui message it becomes', () => {
  const ok = (v: unknown) => pushContent.safeParse(v).success;

  test('title and body are required; the click type follows the field given, else startapp', () => {
    assert.equal(ok({ title: 'Hi' }), false);
    assert.equal(ok({ body: 'Yo' }), false);
    assert.equal(pushContent.parse({ title: 'Hi', body: 'Yo' }).clickType, 'startapp');
    assert.equal(pushContent.parse({ title: 'Hi', body: 'Yo', url: 'https://x.test/a' }).clickType, 'url');
    assert.equal(
      pushContent.parse({ title: 'Hi', body: 'Yo', intent: 'intent:#Intent;end' }).clickType,
      'intent',
    );
    assert.equal(pushContent.parse({ title: 'Hi', body: 'Yo', payload: '{"a":1}' }).clickType, 'payload');
    // An explicit type wins, and needs its field.
    assert.equal(
      pushContent.parse({ title: 'Hi', body: 'Yo', clickType: 'startapp', url: 'https://x.test' }).clickType,
      'startapp',
    );
    assert.equal(ok({ title: 'Hi', body: 'Yo', clickType: 'url' }), false);
    assert.equal(ok({ title: 'Hi', body: 'Yo', clickType: 'intent', url: 'https://x.test' }), false);
    assert.equal(ok({ title: 'Hi', body: 'Yo', clickType: 'none' }), false);
    assert.equal(ok({ title: 'Hi', body: 'Yo', extra: 1 }), false);
  });

  test("GeTui's limits in characters: title 50, body 256, url 1024, payload 3072", () => {
    assert.equal(ok({ title: '单'.repeat(50), body: 'b' }), true);
    assert.equal(ok({ title: '单'.repeat(51), body: 'b' }), false);
    assert.equal(ok({ title: 't', body: '😀'.repeat(256) }), true, 'an emoji is one character');
    assert.equal(ok({ title: 't', body: 'b'.repeat(257) }), false);
    assert.equal(ok({ title: 't', body: 'b', url: `https://x.test/${'a'.repeat(1009)}` }), true);
    assert.equal(ok({ title: 't', body: 'b', url: `https://x.test/${'a'.repeat(1010)}` }), false);
    assert.equal(ok({ title: 't', body: 'b', url: 'ftp://x.test' }), false);
    assert.equal(ok({ title: 't', body: 'b', url: '{$link}' }), true, 'a placeholder may stand for the link');
    assert.equal(ok({ title: 't', body: 'b', payload: 'p'.repeat(3073) }), false);
  });

  test('the badge is a count or a placeholder; a rendered digit string becomes the count', () => {
    assert.equal(pushContent.parse({ title: 't', body: 'b', badge: '7' }).badge, 7);
    assert.equal(pushContent.parse({ title: 't', body: 'b', badge: '{$unread}' }).badge, '{$unread}');
    assert.equal(ok({ title: 't', body: 'b', badge: 'many' }), false);
    assert.equal(ok({ title: 't', body: 'b', badge: -1 }), false);
  });

  test('the message: the notification for GeTui, Android vendors and APNs, only the tap field its type uses', () => {
    const m = toGetuiMessage(
      pushContent.parse({ title: 'Hi', body: 'Yo', url: 'https://x.test/o/1', payload: '{"o":1}', badge: 3 }),
    );
    const n = { title: 'Hi', body: 'Yo', click_type: 'url', url: 'https://x.test/o/1' };
    assert.deepEqual(m, {
      push_message: { notification: n },
      push_channel: {
        android: { ups: { notification: n } },
        ios: {
          type: 'notify',
          aps: { alert: { title: 'Hi', body: 'Yo' }, 'content-available': 0 },
          auto_badge: '3',
          payload: '{"o":1}',
        },
      },
    });
    const p = toGetuiMessage(
      pushContent.parse({ title: 'Hi', body: 'Yo', clickType: 'payload', payload: 'd' }),
    );
    assert.deepEqual(p?.push_message.notification, {
      title: 'Hi',
      body: 'Yo',
      click_type: 'payload',
      payload: 'd',
    });
    assert.equal(toGetuiMessage(pushContent.parse({ title: 'Hi', body: 'Yo', badge: '{$n}' })), undefined);
  });

  test('the definition: push/getui, device tokens, batches of 1000, masterSecret write-only, default BaseUrl', () => {
    assert.equal(getuiPush.channel, 'push');
    assert.equal(getuiPush.provider, 'getui');
    assert.deepEqual(getuiPush.receivers, ['device_token']);
    assert.deepEqual(getuiPush.capabilities, { batch: 1000, testConnection: true });
    assert.ok(Object.isFrozen(getuiPush));
    const schema = jsonSchemaOf(getuiPush.config) as { properties: Record<string, { writeOnly?: boolean }> };
    assert.equal(schema.properties.masterSecret?.writeOnly, true);
    assert.equal(schema.properties.appKey?.writeOnly, undefined);
    const cfg = getuiPush.config.parse({ appId: 'a1B2c3', appKey: 'k1', masterSecret: 's1' });
    assert.equal(cfg.baseUrl, 'https://restapi.getui.com/v2/a1B2c3');
    assert.equal(cfg.timeoutMs, 10_000);
    const other = getuiPush.config.parse({
      appId: 'a1',
      appKey: 'k1',
      masterSecret: 's',
      baseUrl: 'https://cncrestapi.getui.com/v2/a1/',
    });
    assert.equal(other.baseUrl, 'https://cncrestapi.getui.com/v2/a1');
    assert.equal(getuiPush.config.safeParse({ appId: 'a/1', appKey: 'k', masterSecret: 's' }).success, false);
    assert.equal(
      getuiPush.config.safeParse({ appId: 'a1', appKey: 'k', masterSecret: 's', x: 1 }).success,
      false,
    );
    assert.equal(
      getuiPush.config.safeParse({ appId: 'a1', appKey: 'k', masterSecret: 's', timeoutMs: 50 }).success,
      false,
    );
  });
});
