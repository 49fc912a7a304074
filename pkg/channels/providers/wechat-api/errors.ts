import { type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/** The answer was not WeChat's JSON (a proxy's error page, a cut-off body). */
export const BAD_RESPONSE = 'BAD_RESPONSE';
/** A receiver that is not an openid: refused before any call. */
export const INVALID_OPENID = 'INVALID_OPENID';
/** The token could not be had for a reason other than WeChat's answer (the cache gave up waiting). */
export const TOKEN_ERROR = 'TOKEN_ERROR';

/**
 * The errcodes every WeChat API answers alike (the global return-code table, PROVIDERS.md §9.1,
 * §9.3; `stable_token`'s own codes from its page) and ours, as classes. Each provider spreads it
 * into its own table and adds what its send call answers.
 * - token codes refresh the shared token once and retry once; `40001` also means a wrong secret,
 *   so the client takes a second `40001` after a fresh token as `account` (§9.3);
 * - what makes this account unable to call (AppID/AppSecret, IP allowlist, API permission) is
 *   `account`: a human must fix it, another account of the route may send meanwhile;
 * - quotas are `rate_limited`, with a Retry-After up to their known reset ({@link retryAfterOf}).
 *
 * @example failure(WECHAT_COMMON_ERRORS, '42001', 'access_token expired').tokenExpired // true
 * @example failure(WECHAT_COMMON_ERRORS, '40164', 'invalid ip').failover // true
 */
export const WECHAT_COMMON_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  '-1': 'retryable', // system busy
  '40001': 'token_expired', // invalid credential: stale token (or wrong secret, see above)
  '40014': 'token_expired', // invalid access_token
  '41001': 'token_expired', // access_token missing (the cache handed out none)
  '42001': 'token_expired', // access_token expired
  '40002': 'permanent', // invalid grant_type (our bug)
  '40013': 'account', // invalid AppID
  '40125': 'account', // invalid AppSecret (stable_token)
  '41002': 'account', // AppID missing
  '41004': 'account', // AppSecret missing
  '40164': 'account', // caller IP not in the account's allowlist ◐
  '89501': 'account', // this IP waits for the administrator's confirmation ◐
  '89503': 'account', // calls from this IP need the administrator's confirmation ◐
  '89506': 'account', // the administrator refused this IP (24 h) ◐
  '89507': 'account', // the administrator refused this IP (1 h) ◐
  '43002': 'permanent', // POST required (our bug)
  '44002': 'permanent', // empty POST body (our bug)
  '45009': 'rate_limited', // the API's daily quota is used up
  '45011': 'rate_limited', // the API's per-minute quota is used up
  '47001': 'permanent', // JSON could not be parsed (our bug)
  '48001': 'account', // API not authorised for this account
  '48004': 'account', // API banned for this account
  [BAD_RESPONSE]: 'retryable',
  [INVALID_OPENID]: 'permanent',
  [TOKEN_ERROR]: 'retryable',
});

const MINUTE = 60_000;
const DAY = 86_400_000;
/** WeChat's quotas reset at midnight Beijing time (UTC+8, no daylight saving). */
const BEIJING_OFFSET = 8 * 3_600_000;

/**
 * How long to hold off after a quota errcode, from the quota's known reset: the daily quota
 * (`45009`) at the next Beijing midnight, the per-minute one (`45011`: "retry next minute") at
 * the next minute, a `client_msg_id` retried too fast (`45066`: "retry after one minute") in a
 * minute. `undefined` for every other code.
 *
 * @example retryAfterOf('45011', Date.parse('2026-01-01T00:00:45Z')) // 15000
 * @example retryAfterOf('45009', Date.parse('2026-01-01T15:00:00Z')) // 3600000 (Beijing 23:00 → 00:00)
 */
export function retryAfterOf(code: string, now: number): number | undefined {
  switch (code) {
    case '45009': {
      const nextMidnight = (Math.floor((now + BEIJING_OFFSET) / DAY) + 1) * DAY - BEIJING_OFFSET;
      return nextMidnight - now;
    }
    case '45011':
      return MINUTE - (((now % MINUTE) + MINUTE) % MINUTE);
    case '45066':
      return MINUTE;
    default:
      return undefined;
  }
}
