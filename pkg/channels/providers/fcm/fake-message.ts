import type { FakeReply } from '../../../testkit/fake-http.ts';
import { BAD_REQUEST_TYPE, FCM_ERROR_TYPE } from './api.ts';
import { FCM_MAX_PAYLOAD_BYTES, isReservedDataKey, payloadBytes } from './content.ts';

/**
 * What the fake FCM checks in a `messages:send` body (test-only; PROVIDERS.md §12.2, the
 * ErrorCode reference and its sample answers): known fields only, exactly one target, a
 * well-formed registration token, string data values, no reserved data keys, the shapes of the
 * `notification` / `android` / `apns` / `webpush` parts this provider fills, and the 4096-byte
 * payload limit. Refusals are HTTP 400 in Google's error shape.
 */

/** Canonical status of an HTTP code, as Google APIs pair them. */
export const CANONICAL: Readonly<Record<number, string>> = Object.freeze({
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
});

/**
 * A Google API error answer: `{ error: { code, message, status, details } }`, with an FcmError
 * detail when `errorCode` is given and a BadRequest one when `field` is.
 *
 * @example googleErrorReply(404, 'Requested entity was not found.', { errorCode: 'UNREGISTERED' })
 */
export function googleErrorReply(
  code: number,
  message: string,
  opts: { errorCode?: string; field?: string; status?: string; headers?: Record<string, string> } = {},
): FakeReply {
  const details = [
    ...(opts.errorCode ? [{ '@type': FCM_ERROR_TYPE, errorCode: opts.errorCode }] : []),
    ...(opts.field
      ? [{ '@type': BAD_REQUEST_TYPE, fieldViolations: [{ field: opts.field, description: message }] }]
      : []),
  ];
  return {
    status: code,
    ...(opts.headers ? { headers: opts.headers } : {}),
    body: {
      error: {
        code,
        message,
        status: opts.status ?? CANONICAL[code] ?? 'UNKNOWN',
        ...(details.length ? { details } : {}),
      },
    },
  };
}

/**
 * The form of an FCM registration token as the fake reads it: an instance id, `:`, and the
 * `APA91…` registration (◐ Google does not publish the format; real tokens look like this).
 */
export const FCM_TOKEN_FORM = /^[A-Za-z0-9_-]{11,64}:APA91[A-Za-z0-9_-]{50,}$/;

const MESSAGE_KEYS = new Set([
  'name',
  'data',
  'notification',
  'android',
  'webpush',
  'apns',
  'fcm_options',
  'token',
  'topic',
  'condition',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const bad = (message: string, field?: string, errorCode?: string): FakeReply =>
  googleErrorReply(400, message, { ...(field ? { field } : {}), ...(errorCode ? { errorCode } : {}) });

const unknownField = (name: string, at: string): FakeReply =>
  bad(`Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.`, at);

const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/** The first refusal of the optional parts (`notification`, `data`, `android`, `apns`, `webpush`). */
function partsError(m: Record<string, unknown>): FakeReply | undefined {
  const n = m.notification;
  if (n !== undefined) {
    if (!isObject(n)) return bad("Invalid value at 'message.notification'", 'message.notification');
    for (const [k, v] of Object.entries(n)) {
      if (!['title', 'body', 'image'].includes(k)) return unknownField(k, 'message.notification');
      if (typeof v !== 'string')
        return bad(`Invalid value at 'message.notification.${k}' (TYPE_STRING)`, `message.notification.${k}`);
    }
  }
  if (m.data !== undefined) {
    if (!isObject(m.data)) return bad("Invalid value at 'message.data'", 'message.data');
    const entries = Object.entries(m.data);
    for (const [i, [k, v]] of entries.entries()) {
      if (typeof v !== 'string') {
        return bad(
          `Invalid value at 'message.data[${i}].value' (TYPE_STRING), ${JSON.stringify(v)}`,
          `message.data[${i}].value`,
        );
      }
      if (isReservedDataKey(k)) return bad(`Invalid data key: ${k}`, undefined, 'INVALID_ARGUMENT'); // ◐ text
    }
  }
  const a = m.android;
  if (a !== undefined) {
    if (!isObject(a) || !isObject(a.notification ?? {}))
      return bad("Invalid value at 'message.android'", 'message.android');
    const an = (a.notification ?? {}) as Record<string, unknown>;
    if (an.click_action !== undefined && typeof an.click_action !== 'string') {
      return bad(
        "Invalid value at 'message.android.notification.click_action'",
        'message.android.notification.click_action',
      );
    }
    if (an.notification_count !== undefined && !isCount(an.notification_count)) {
      return bad(
        "Invalid value at 'message.android.notification.notification_count'",
        'message.android.notification.notification_count',
      );
    }
  }
  const ap = m.apns;
  if (ap !== undefined) {
    const aps = isObject(ap) && isObject(ap.payload) ? ap.payload.aps : undefined;
    if (!isObject(aps)) return bad("Invalid value at 'message.apns.payload'", 'message.apns.payload');
    if (aps.badge !== undefined && !isCount(aps.badge))
      return bad('apns.payload.aps.badge must be a count', 'message.apns.payload');
  }
  const w = m.webpush;
  if (w !== undefined) {
    const link = isObject(w) && isObject(w.fcm_options) ? w.fcm_options.link : undefined;
    if (typeof link !== 'string' || !link.startsWith('https://')) {
      return bad('The link must be a HTTPS URL', 'message.webpush.fcm_options.link'); // ◐ text
    }
  }
  return undefined;
}

/** The bytes the fake counts toward the 4096-byte limit (the content's own rule, §12.2 ◐). */
function sizeOf(m: Record<string, unknown>): number {
  const n = isObject(m.notification) ? m.notification : {};
  const an = isObject(m.android) && isObject(m.android.notification) ? m.android.notification : {};
  const link =
    isObject(m.webpush) && isObject(m.webpush.fcm_options) ? m.webpush.fcm_options.link : undefined;
  const action =
    typeof an.click_action === 'string' ? an.click_action : typeof link === 'string' ? link : undefined;
  return payloadBytes({
    title: typeof n.title === 'string' ? n.title : '',
    body: typeof n.body === 'string' ? n.body : '',
    ...(action !== undefined ? { clickAction: action } : {}),
    ...(isObject(m.data) ? { data: m.data as Record<string, string> } : {}),
  });
}

/**
 * The refusal a `messages:send` body earns, or the message it carries when it is well-formed.
 *
 * @example checkSendBody({ message: { token: 'x', notification: { title: 'Hi' } } }) // { reply: { status: 400, … } }
 */
export function checkSendBody(body: unknown): { reply: FakeReply } | { message: Record<string, unknown> } {
  if (!isObject(body)) return { reply: bad('Invalid JSON payload received.') };
  for (const k of Object.keys(body))
    if (k !== 'message' && k !== 'validate_only') return { reply: unknownField(k, '') };
  const m = body.message;
  if (!isObject(m))
    return { reply: bad('Recipient of the message is not set.', 'message', 'INVALID_ARGUMENT') };
  for (const k of Object.keys(m)) if (!MESSAGE_KEYS.has(k)) return { reply: unknownField(k, 'message') };
  const targets = ['token', 'topic', 'condition'].filter((k) => m[k] !== undefined);
  if (targets.length === 0)
    return { reply: bad('Recipient of the message is not set.', 'message', 'INVALID_ARGUMENT') };
  if (targets.length > 1)
    return { reply: bad("Invalid JSON payload received. Oneof field 'target' is already set.", 'message') };
  if (targets[0] !== 'token') return { reply: bad('the fake takes token messages only', 'message') };
  if (typeof m.token !== 'string' || !FCM_TOKEN_FORM.test(m.token)) {
    return {
      reply: bad(
        'The registration token is not a valid FCM registration token',
        undefined,
        'INVALID_ARGUMENT',
      ),
    };
  }
  const partError = partsError(m);
  if (partError) return { reply: partError };
  // A too-big payload gets Google's bare answer: no detail says why.
  if (sizeOf(m) > FCM_MAX_PAYLOAD_BYTES) return { reply: bad('Request contains an invalid argument.') };
  return { message: m };
}
