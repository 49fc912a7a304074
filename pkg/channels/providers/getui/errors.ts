import { type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/** A receiver that cannot be a GeTui cid (empty, or other than letters and digits): never sent. */
export const INVALID_CID = 'INVALID_CID';
/** The push answer has no result for the cid: GeTui did not push to it (not a user of the app). */
export const CID_NOT_PUSHED = 'CID_NOT_PUSHED';
/** GeTui's per-cid status for a device inactive for 90 days: accepted, but not sent (§11.3). */
export const CID_IGNORED = 'successed_ignore';
/** Rendered content GeTui cannot take (a badge that did not render to a count). */
export const BAD_CONTENT = 'BAD_CONTENT';
/** The answer was not GeTui's `{ code, msg, data }` JSON, or it lacked what the call returns. */
export const BAD_RESPONSE = 'BAD_RESPONSE';
/** Getting the token failed for a reason that is not GeTui's answer (a Redis or lock problem). */
export const TOKEN_ERROR = 'TOKEN_ERROR';

/** GeTui's "per minute" quotas (10003 auth, 10005 calls) lift within a minute. */
export const QUOTA_RETRY_MS = 60_000;

/**
 * GeTui's return codes for push calls (…/rest_v2/code, PROVIDERS.md §11.4) and ours, as classes.
 * GeTui answers errors with an HTTP status beside the body's `code` (10001–10005 → 401,
 * 20001 → 400, 30000+ → 403); the body's code decides, the status only when there is none.
 * - `10001` token wrong or expired: refresh the shared token once and retry once;
 * - `10002` appId/IP blacklisted, `30000`/`30001` a feature the plan lacks, `301` a BaseUrl on
 *   the wrong data center, bare HTTP 401/403 (permission, plan): this account cannot send;
 * - `10003` (auth) and `10005` (calls) per-minute quotas: slow down;
 * - `20001` a bad parameter, e.g. `target user is invalid` for a cid GeTui does not know;
 * - `2` "service starting" and 5xx: try again.
 *
 * @example failure(GETUI_ERRORS, '10001', 'token expired').tokenExpired // true
 */
export const GETUI_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  '1': 'permanent', // failed: the body is not the JSON the call takes
  '2': 'retryable', // service starting
  '301': 'account', // wrong domain for the appId's data center
  '404': 'permanent',
  '405': 'permanent',
  '10001': 'token_expired',
  '10002': 'account', // appId or IP blacklisted
  '10003': 'rate_limited', // auth called too often
  '10004': 'account', // no permission to query message details
  '10005': 'rate_limited', // per-minute call quota
  '20001': 'permanent', // parameter error (bad cid, size over limit, duplicate …)
  '30000': 'account', // plan: no fast_custom_tag push
  '30001': 'account', // plan: no custom_tag changes
  HTTP_400: 'permanent',
  HTTP_401: 'account',
  HTTP_403: 'account',
  HTTP_404: 'permanent',
  HTTP_405: 'permanent',
  [INVALID_CID]: 'permanent',
  [CID_NOT_PUSHED]: 'permanent',
  [CID_IGNORED]: 'permanent',
  [BAD_CONTENT]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
  [TOKEN_ERROR]: 'retryable',
});

/**
 * The same codes as answers of `POST /auth`: a refusal there is about the credentials (a wrong
 * appkey or sign answers 20001, ❓ exact msg), so it is the account's, and a token code cannot
 * mean "refresh" (there is nothing to refresh yet). Quotas and "starting" keep their class.
 *
 * @example failure(GETUI_AUTH_ERRORS, '20001', 'sign is invalid').failover // true
 */
export const GETUI_AUTH_ERRORS: ErrorTable = Object.freeze({
  ...GETUI_ERRORS,
  '1': 'account',
  '10001': 'account',
  '20001': 'account',
  HTTP_400: 'account',
});
