import type { ErrorTable } from '../../definition.ts';

/** A receiver listed in `invaliduser` of a successful answer: no such member, or not visible to the app. */
export const INVALID_USER = 'INVALID_USER';
/** A receiver listed in `unlicenseduser`: the member has no API licence, WeCom did not send to them. */
export const UNLICENSED_USER = 'UNLICENSED_USER';
/** The answer was not WeCom's JSON (a proxy's error page, a cut-off body). */
export const BAD_RESPONSE = 'BAD_RESPONSE';

/**
 * WeCom's error codes (PROVIDERS.md §7.4, the global error-code table) and ours, as classes.
 * Token codes refresh the shared token once and retry once (`41001` too: a token the cache
 * handed out empty is as stale as an expired one). Credentials, IP allowlist and content
 * errors are permanent: retrying cannot fix them, a human must.
 *
 * @example failure(WECOM_APP_ERRORS, '42001', 'access_token expired').tokenExpired // true
 */
export const WECOM_APP_ERRORS: ErrorTable = Object.freeze({
  '-1': 'retryable', // system busy
  '40001': 'permanent', // invalid secret
  '40013': 'permanent', // invalid corpid
  '40014': 'token_expired', // invalid access_token
  '41001': 'token_expired', // access_token missing
  '42001': 'token_expired', // access_token expired
  '45002': 'permanent', // content too long
  '45009': 'rate_limited', // API call frequency limit
  '45033': 'rate_limited', // concurrent call limit
  '40031': 'permanent', // invalid user list
  '81013': 'permanent', // every receiver invalid
  '82001': 'permanent', // receivers outside the app's visibility range
  '60020': 'permanent', // caller IP not in the app's allowlist
  [INVALID_USER]: 'permanent',
  [UNLICENSED_USER]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
});
