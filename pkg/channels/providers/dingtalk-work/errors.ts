import { type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/** A receiver that cannot go into `userid_list`: empty, or holding its `,` separator. */
export const INVALID_USER = 'INVALID_USER';
/** The rendered `msg` is over 2048 bytes: DingTalk would answer success and deliver nothing. */
export const MESSAGE_TOO_LONG = 'MESSAGE_TOO_LONG';
/** The answer was not DingTalk's JSON (a proxy's error page, a cut-off body, no task_id). */
export const BAD_RESPONSE = 'BAD_RESPONSE';

/** The per-minute quotas of §5.3's forbidden codes: waiting out the minute is the cure. */
export const QUOTA_WINDOW_MS = 60_000;

/**
 * DingTalk's error codes for work notices (PROVIDERS.md §5, the global error-code copies ◐ and
 * the getsendresult page's table) and ours, as classes. errcode `88` carries the real reason in
 * `sub_code` (the client classifies by it); a bare `88` is treated as a stale token, as §5.1
 * advises, which costs at most one refresh and one retry.
 * - token codes (`40014` invalid, `42001` expired, `41001` missing, `40001` "secret wrong or
 *   token invalid" on an API call): refresh once, retry once; on gettoken itself the client
 *   reads every refusal as the account's (bad AppKey/AppSecret `40089`);
 * - per-minute quotas (`143103`/`143104`, ISV `143203`/`143204`) and OAPI protection
 *   (`1430003`): slow down for the minute;
 * - the per-user daily limit and duplicate content (`143105`/`143106`, ISV `1432xx`), empty
 *   receivers, forbidden content, executive protection: permanent for this message;
 * - missing permission (`60011`), IP allowlist (`60020` ◐) and a wrong agent id (`40056` ❓):
 *   this account cannot send, another may.
 * Unknown codes fall back in the client: permanent, or by HTTP status for a non-200 answer.
 *
 * @example failure(DINGTALK_WORK_ERRORS, '42001', 'access_token expired').tokenExpired // true
 */
export const DINGTALK_WORK_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  '-1': 'retryable', // system busy: retry, at most 3 times
  '88': 'token_expired',
  '40001': 'token_expired',
  '40014': 'token_expired',
  '41001': 'token_expired',
  '42001': 'token_expired',
  '40089': 'account', // invalid AppKey or AppSecret (gettoken)
  '60011': 'account', // no permission for this API
  '60020': 'account', // caller IP not in the app's allowlist ◐
  '40056': 'account', // invalid agent id ❓
  '143103': 'rate_limited',
  '143104': 'rate_limited',
  '143203': 'rate_limited',
  '143204': 'rate_limited',
  '1430003': 'rate_limited',
  '143105': 'permanent',
  '143106': 'permanent',
  '143205': 'permanent',
  '143206': 'permanent',
  '1430000': 'permanent', // no receivers
  '1430002': 'permanent', // forbidden content
  '1430004': 'permanent', // executive protection
  [INVALID_USER]: 'permanent',
  [MESSAGE_TOO_LONG]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
});

/** Codes of the per-minute quotas: their failures carry {@link QUOTA_WINDOW_MS} as Retry-After. */
export const MINUTE_QUOTA_CODES: ReadonlySet<string> = new Set(['143103', '143104', '143203', '143204']);
