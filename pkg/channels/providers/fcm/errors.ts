import {
  type ErrorClass,
  type ErrorTable,
  failure,
  type SendFailure,
  TRANSPORT_ERRORS,
} from '../../definition.ts';

/** The badge did not render to a count (a variable held something else). */
export const BAD_BADGE = 'BAD_BADGE';
/** The token endpoint could not be used (no answer we could read, no access_token in it). */
export const TOKEN_ERROR = 'TOKEN_ERROR';
/** The JWT could not be signed with the account's private key. */
export const INVALID_PRIVATE_KEY = 'INVALID_PRIVATE_KEY';

/**
 * FCM's codes as classes (PROVIDERS.md §12.1–12.2). A failure's code is the `errorCode` of the
 * answer's `FcmError` detail when it has one, else its canonical `status` (`UNAUTHENTICATED`,
 * `PERMISSION_DENIED` …), else `HTTP_<status>`; token-endpoint failures use the OAuth `error`.
 * - the token: `UNREGISTERED`, `NOT_FOUND` and `INVALID_ARGUMENT` (a malformed token or a bad
 *   field: Google's message says which) are `permanent`;
 * - the account: a token of another project (`SENDER_ID_MISMATCH`: another account may be its
 *   project), the APNs / web-push credentials uploaded to Firebase, a service account without
 *   the FCM permission, and refused service-account keys are `account`;
 * - `UNAUTHENTICATED` (HTTP 401 without an FcmError) is a stale access token: refreshed once;
 * - `QUOTA_EXCEEDED` is "slow down"; `UNAVAILABLE` / `INTERNAL` are worth another try.
 *
 * @example failure(FCM_ERRORS, 'UNREGISTERED', 'Requested entity was not found.').retryable // false
 */
export const FCM_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  // FcmError errorCode (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode)
  UNSPECIFIED_ERROR: 'retryable',
  INVALID_ARGUMENT: 'permanent',
  UNREGISTERED: 'permanent',
  SENDER_ID_MISMATCH: 'account',
  QUOTA_EXCEEDED: 'rate_limited',
  UNAVAILABLE: 'retryable',
  INTERNAL: 'retryable',
  THIRD_PARTY_AUTH_ERROR: 'account',
  APNS_AUTH_ERROR: 'account', // the older name of THIRD_PARTY_AUTH_ERROR
  // Canonical statuses of Google APIs (answers without an FcmError detail)
  UNAUTHENTICATED: 'token_expired',
  PERMISSION_DENIED: 'account',
  NOT_FOUND: 'permanent',
  RESOURCE_EXHAUSTED: 'rate_limited',
  DEADLINE_EXCEEDED: 'retryable',
  // Token endpoint (OAuth 2.0 `error`, §12.1): the service account's key or grant is refused.
  invalid_grant: 'account',
  invalid_client: 'account',
  unauthorized_client: 'account',
  invalid_scope: 'account',
  invalid_request: 'account',
  unsupported_grant_type: 'account',
  // Ours
  [BAD_BADGE]: 'permanent',
  [TOKEN_ERROR]: 'retryable',
  [INVALID_PRIVATE_KEY]: 'account',
});

/**
 * FCM's own advice for `QUOTA_EXCEEDED` when no Retry-After came: exponential backoff from at
 * least one minute (ErrorCode reference, "message rate exceeded").
 */
export const QUOTA_RETRY_AFTER_MS = 60_000;

/** Class of a code the table does not know, by the HTTP status that carried it. */
export const statusClass = (status: number): ErrorClass =>
  status === 429
    ? 'rate_limited'
    : status >= 500
      ? 'retryable'
      : status === 401 || status === 403
        ? 'account'
        : 'permanent';

/**
 * A failure classified by {@link FCM_ERRORS}, unknown codes by the HTTP `status` that carried
 * them (none: permanent). `inDoubt: false` says a timeout could not have sent a message.
 *
 * @example fcmFailure('QUOTA_EXCEEDED', 'quota', { status: 429, retryAfterMs: 5000 }) // { …, rateLimited: true, retryAfterMs: 5000 }
 */
export function fcmFailure(
  code: string,
  message: string,
  opts: { status?: number; retryAfterMs?: number; inDoubt?: boolean } = {},
): SendFailure {
  return failure(FCM_ERRORS, code, message || code, {
    fallback: opts.status === undefined ? 'permanent' : statusClass(opts.status),
    ...(opts.retryAfterMs !== undefined ? { retryAfterMs: opts.retryAfterMs } : {}),
    ...(opts.inDoubt !== undefined ? { inDoubt: opts.inDoubt } : {}),
  });
}
