import { z } from 'zod';

/**
 * The content of an FCM push template (PROVIDERS.md §12.2) and the v1 `message` it becomes.
 * FCM refuses a message whose payload passes 4096 bytes and data keys it uses itself; both are
 * checked here, so a template that can never go out is refused when saved and a rendered one
 * that grew too big fails as bad content instead of as a provider refusal.
 */

/** FCM's payload limit for messages to a token: keys and values, UTF-8 bytes (§12.2). */
export const FCM_MAX_PAYLOAD_BYTES = 4096;

/** Data keys FCM keeps for itself (`from`, `message_type`, any `google…` / `gcm…` key). */
export const isReservedDataKey = (key: string): boolean =>
  key === 'from' || key === 'message_type' || /^(?:google|gcm)/i.test(key);

/** A placeholder (`{$n}` / `{{n}}`): a badge may be one until it is rendered. */
const PLACEHOLDER = /\{\$[A-Za-z_][\w.-]*\}|\{\{\s*[A-Za-z_][\w.-]*\s*\}\}/;

const utf8 = (s: string | undefined): number => (s ? Buffer.byteLength(s, 'utf8') : 0);

/** Whether a click action is a link (else it is an Android intent action / iOS category). */
export const isLink = (clickAction: string): boolean => /^https:\/\/[^\s]+$/i.test(clickAction);

/**
 * Where a notification tap leads: an `https://` link (web push opens it), or the action name an
 * Android activity's intent filter matches (also the iOS notification category). Plain `http:`
 * is refused: FCM takes HTTPS links only.
 */
const clickAction = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .refine((s) => !/^http:\/\//i.test(s), { message: 'links must be https://' })
  .refine((s) => isLink(s) || /^[^\s/:]{1,256}$/.test(s), {
    message: 'an https:// link or an action name (no spaces, / or :)',
  });

/** The app icon badge: a count, or a placeholder rendering to one (`"{$unread}"`). */
const badge = z.union([
  z.int().min(0).max(999_999),
  z
    .string()
    .trim()
    .refine((s) => /^\d{1,6}$/.test(s) || PLACEHOLDER.test(s), { message: 'a count or a placeholder' })
    .transform((s) => (/^\d{1,6}$/.test(s) ? Number(s) : s)),
]);

/**
 * FCM push content: a notification's title and body, where a tap leads, the iOS badge and a
 * string map handed to the app.
 *
 * @example
 * fcmContent.parse({ title: 'Order {$order}', body: 'Shipped', clickAction: 'OPEN_ORDER', badge: '3', data: { order: '{$order}' } })
 * // { title: 'Order {$order}', body: 'Shipped', clickAction: 'OPEN_ORDER', badge: 3, data: { order: '{$order}' } }
 */
export const fcmContent = z
  .object({
    title: z.string().min(1).max(FCM_MAX_PAYLOAD_BYTES),
    body: z.string().min(1).max(FCM_MAX_PAYLOAD_BYTES),
    clickAction: clickAction.optional(),
    badge: badge.optional(),
    data: z
      .record(
        z
          .string()
          .min(1)
          .max(256)
          .refine((k) => !isReservedDataKey(k), { message: 'a key FCM keeps for itself' }),
        z.string().max(FCM_MAX_PAYLOAD_BYTES),
      )
      .optional(),
  })
  .strict()
  .refine((c) => payloadBytes(c) <= FCM_MAX_PAYLOAD_BYTES, {
    message: `the payload (title, body, click action, data keys and values) is over ${FCM_MAX_PAYLOAD_BYTES} bytes`,
  });

export type FcmContent = z.output<typeof fcmContent>;

/**
 * The bytes of `c` that count toward FCM's payload limit, as the fake counts them: title, body,
 * click action and every data key and value (◐ FCM does not spell out its exact accounting).
 *
 * @example payloadBytes({ title: 'Hi', body: 'Yo', data: { k: 'v' } }) // 6
 */
export function payloadBytes(
  c: Readonly<{ title: string; body: string; clickAction?: string; data?: Readonly<Record<string, string>> }>,
): number {
  let n = utf8(c.title) + utf8(c.body) + utf8(c.clickAction);
  for (const [k, v] of Object.entries(c.data ?? {})) n += utf8(k) + utf8(v);
  return n;
}

/** The v1 `message` for one device token (`POST …/messages:send` wraps it as `{ message }`). */
export type FcmMessage = Readonly<{
  token: string;
  notification: Readonly<{ title: string; body: string }>;
  data?: Readonly<Record<string, string>>;
  android?: Readonly<{ notification: Readonly<Record<string, unknown>> }>;
  apns?: Readonly<{ payload: Readonly<{ aps: Readonly<Record<string, unknown>> }> }>;
  webpush?: Readonly<{ fcm_options: Readonly<{ link: string }> }>;
}>;

/**
 * The v1 message of rendered content for `token`, or `undefined` when its badge did not render
 * to a count. A link goes to `webpush.fcm_options.link`; an action name to Android's
 * `click_action` and the APNs `category`; the badge to APNs `aps.badge` and Android's
 * `notification_count`.
 *
 * @example toFcmMessage({ title: 'Hi', body: 'Yo', badge: 2 }, 'tok')
 * // { token: 'tok', notification: { title: 'Hi', body: 'Yo' }, android: { notification: { notification_count: 2 } }, apns: { payload: { aps: { badge: 2 } } } }
 */
export function toFcmMessage(c: FcmContent, token: string): FcmMessage | undefined {
  if (typeof c.badge === 'string') return undefined;
  const action = c.clickAction !== undefined && !isLink(c.clickAction) ? c.clickAction : undefined;
  const android: Record<string, unknown> = {
    ...(action !== undefined ? { click_action: action } : {}),
    ...(c.badge !== undefined ? { notification_count: c.badge } : {}),
  };
  const aps: Record<string, unknown> = {
    ...(c.badge !== undefined ? { badge: c.badge } : {}),
    ...(action !== undefined ? { category: action } : {}),
  };
  return {
    token,
    notification: { title: c.title, body: c.body },
    ...(c.data && Object.keys(c.data).length > 0 ? { data: c.data } : {}),
    ...(Object.keys(android).length > 0 ? { android: { notification: android } } : {}),
    ...(Object.keys(aps).length > 0 ? { apns: { payload: { aps } } } : {}),
    ...(c.clickAction !== undefined && isLink(c.clickAction)
      ? { webpush: { fcm_options: { link: c.clickAction } } }
      : {}),
  };
}
