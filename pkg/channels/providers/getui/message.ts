import type { PushContent } from './content.ts';

/**
 * The message part of a GeTui push body (PROVIDERS.md §11.3): `push_message.notification` for
 * GeTui's own channel (apps online), and `push_channel` for devices reached through the vendors
 * while the app is offline: Android vendor notifications (`android.ups.notification`) and APNs
 * (`ios`: an alert, the badge as `auto_badge`, the payload as custom data). The same title, body
 * and tap action go everywhere, so a device shows one notification whichever way it arrives.
 * ◐ `push_channel` fields as the official Java SDK names them (dto/req/message/…).
 */
export type GetuiMessage = Readonly<{
  push_message: Readonly<{ notification: Readonly<Record<string, string>> }>;
  push_channel: Readonly<{
    android: Readonly<{ ups: Readonly<{ notification: Readonly<Record<string, string>> }> }>;
    ios: Readonly<Record<string, unknown>>;
  }>;
}>;

/**
 * The GeTui message of rendered content, or `undefined` when its badge did not render to a
 * count (the caller fails the delivery as bad content).
 *
 * @example
 * toGetuiMessage({ title: 'Hi', body: 'Yo', clickType: 'url', url: 'https://x.test', badge: 2 })
 * // { push_message: { notification: { title: 'Hi', body: 'Yo', click_type: 'url', url: 'https://x.test' } },
 * //   push_channel: { android: { ups: { notification: { …the same… } } },
 * //     ios: { type: 'notify', aps: { alert: { title: 'Hi', body: 'Yo' }, 'content-available': 0 }, auto_badge: '2' } } }
 */
export function toGetuiMessage(c: PushContent): GetuiMessage | undefined {
  if (typeof c.badge === 'string') return undefined;
  const notification: Record<string, string> = { title: c.title, body: c.body, click_type: c.clickType };
  // Only the field the click type uses: GeTui reads the one its click_type names.
  if (c.clickType === 'url' && c.url !== undefined) notification.url = c.url;
  if (c.clickType === 'intent' && c.intent !== undefined) notification.intent = c.intent;
  if (c.clickType === 'payload' && c.payload !== undefined) notification.payload = c.payload;
  const frozen = Object.freeze(notification);
  return Object.freeze({
    push_message: Object.freeze({ notification: frozen }),
    push_channel: Object.freeze({
      android: Object.freeze({ ups: Object.freeze({ notification: frozen }) }),
      ios: Object.freeze({
        type: 'notify',
        aps: { alert: { title: c.title, body: c.body }, 'content-available': 0 },
        ...(c.badge !== undefined ? { auto_badge: String(c.badge) } : {}),
        ...(c.payload !== undefined ? { payload: c.payload } : {}),
      }),
    }),
  });
}
