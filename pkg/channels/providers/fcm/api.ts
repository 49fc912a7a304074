import type { SendOutcome } from '../../definition.ts';
import { asHttpError } from '../../failures.ts';
import { retryAfterMs } from '../../kit/retry-after.ts';
import { scrub } from '../../kit/scrub.ts';
import type { HttpResponse, Kit } from '../../kit/types.ts';
import type { FcmMessage } from './content.ts';
import { fcmFailure, QUOTA_RETRY_AFTER_MS } from './errors.ts';

/**
 * One `messages:send` call and how its answer reads (PROVIDERS.md §12.2): 200 with
 * `{ "name": "projects/<p>/messages/<id>" }`, or a Google API error
 * `{ "error": { code, message, status, details: [ FcmError | BadRequest | QuotaFailure … ] } }`.
 */

/** The `@type` of the FCM-specific error detail. */
export const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
/** The `@type` of the detail naming the fields a 400 refused. */
export const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Google API error as read from an answer body (fields that were absent left out). */
export type GoogleError = Readonly<{
  status?: string;
  message?: string;
  /** `errorCode` of the FcmError detail. */
  errorCode?: string;
  /** `field: description` of each BadRequest field violation. */
  violations: readonly string[];
}>;

/**
 * The error of a Google API answer body, `undefined` when it is not one.
 *
 * @example googleError({ error: { code: 404, status: 'NOT_FOUND', details: [{ '@type': FCM_ERROR_TYPE, errorCode: 'UNREGISTERED' }] } })
 * // { status: 'NOT_FOUND', errorCode: 'UNREGISTERED', violations: [] }
 */
export function googleError(body: unknown): GoogleError | undefined {
  if (!isObject(body) || !isObject(body.error)) return undefined;
  const e = body.error;
  const details = Array.isArray(e.details) ? e.details.filter(isObject) : [];
  const fcm = details.find((d) => d['@type'] === FCM_ERROR_TYPE && typeof d.errorCode === 'string');
  const violations = details
    .filter((d) => d['@type'] === BAD_REQUEST_TYPE && Array.isArray(d.fieldViolations))
    .flatMap((d) => (d.fieldViolations as unknown[]).filter(isObject))
    .map((v) => `${String(v.field ?? '')}: ${String(v.description ?? '')}`);
  return {
    ...(typeof e.status === 'string' ? { status: e.status } : {}),
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
    ...(fcm ? { errorCode: fcm.errorCode as string } : {}),
    violations,
  };
}

/**
 * The outcome of a `messages:send` answer. The code is the FcmError `errorCode`, else the
 * canonical `status`, else `HTTP_<status>`; a 401 without an FcmError is a stale access token
 * (`UNAUTHENTICATED`), while a 401 `THIRD_PARTY_AUTH_ERROR` is the APNs / web-push credentials.
 * Retry-After is honoured on 429 and 5xx; `QUOTA_EXCEEDED` without one waits FCM's minute.
 *
 * @example sendOutcome({ status: 200, json: () => ({ name: 'projects/p/messages/1' }), … }, [], 0)
 * // { ok: true, providerMessageId: 'projects/p/messages/1' }
 */
export function sendOutcome(res: HttpResponse, secrets: readonly string[], nowMs: number): SendOutcome {
  const body = res.json();
  if (res.status === 200) {
    // Google took the message: an answer without its name is still a send, never a retry.
    const name = isObject(body) && typeof body.name === 'string' && body.name ? body.name : undefined;
    return name ? { ok: true, providerMessageId: name } : { ok: true };
  }
  const e = googleError(body);
  if (!e) {
    // Not Google's JSON (a proxy's page): the status says what it is; a bare 401 is still auth.
    const text = scrub(res.body.slice(0, 200), secrets) || 'no body';
    const code = res.status === 401 ? 'UNAUTHENTICATED' : `HTTP_${res.status}`;
    return fcmFailure(code, `HTTP ${res.status}: ${text}`, { status: res.status, ...retryOpt(res, nowMs) });
  }
  const code = e.errorCode ?? (res.status === 401 ? 'UNAUTHENTICATED' : e.status) ?? `HTTP_${res.status}`;
  const text = scrub([e.message ?? '', ...e.violations].filter(Boolean).join('; '), secrets);
  const wait = retryOpt(res, nowMs);
  return fcmFailure(code, text || `HTTP ${res.status}`, {
    status: res.status,
    ...(wait.retryAfterMs === undefined && code === 'QUOTA_EXCEEDED'
      ? { retryAfterMs: QUOTA_RETRY_AFTER_MS }
      : wait),
  });
}

/** Retry-After of a 429 or 5xx answer, as `fcmFailure` options. */
function retryOpt(res: HttpResponse, nowMs: number): { retryAfterMs?: number } {
  if (res.status !== 429 && res.status < 500) return {};
  const ms = retryAfterMs(res.headers['retry-after'], nowMs);
  return ms === undefined ? {} : { retryAfterMs: ms };
}

/**
 * POSTs `{ message }` to the project's `messages:send` with the access token and reads the
 * answer; a call that got no answer becomes the kit's transport failure (timeouts in doubt).
 *
 * @example await sendMessage(kit, { url: `${base}/v1/projects/my-app/messages:send`, timeoutMs: 15_000 }, token, message, [config.privateKey, token])
 */
export async function sendMessage(
  kit: Pick<Kit, 'http' | 'now'>,
  target: Readonly<{ url: string; timeoutMs: number }>,
  accessToken: string,
  message: FcmMessage,
  secrets: readonly string[],
): Promise<SendOutcome> {
  let res: HttpResponse;
  try {
    res = await kit.http.request({
      method: 'POST',
      url: target.url,
      timeoutMs: target.timeoutMs,
      headers: { authorization: `Bearer ${accessToken}` },
      json: { message },
    });
  } catch (err) {
    const e = asHttpError(err);
    return fcmFailure(e.code, scrub(e.message, secrets), { status: e.retryable ? 500 : 400 });
  }
  return sendOutcome(res, secrets, kit.now());
}
