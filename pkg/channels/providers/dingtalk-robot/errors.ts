import {
  type ErrorClass,
  type ErrorTable,
  failure,
  type SendFailure,
  TRANSPORT_ERRORS,
} from '../../definition.ts';

/** A card message (link, actionCard, feedCard) cannot @-mention: DingTalk has `at` only for text and markdown. */
export const MENTION_UNSUPPORTED = 'MENTION_UNSUPPORTED';
/** The answer was not DingTalk's `{ errcode, errmsg }` JSON (a proxy's page, a cut-off body). */
export const BAD_RESPONSE = 'BAD_RESPONSE';

/** "Send too fast": over 20 posts a minute, the robot is locked for 10 minutes (§4.4). */
export const RATE_LIMIT_CODE = '130101';
/** How long DingTalk locks a robot that went over its 20 posts a minute (§4.4 ✅). */
export const LOCK_MS = 600_000;

/**
 * DingTalk custom robot errcodes (PROVIDERS.md §4.4) and ours, as classes.
 * - `130101` is the 10-minute lock: rate limited, retried after {@link LOCK_MS}; another robot
 *   of the route may take the post meanwhile.
 * - `310000` is a failed security check (keywords not in content, sign not match, invalid
 *   timestamp, caller IP not in the allowlist) and `300001` an unknown token: this account
 *   cannot post as configured, a human must fix it; another account may post meanwhile.
 * - `-1` is DingTalk busy.
 * Codes marked ❓ are not in PROVIDERS.md's verified set: 400013/410100 are only "reported"
 * there; the 4001xx/4301xx rows follow the newer doc's table as recalled, unverified here.
 * Unknown codes are permanent (the post is refused as written).
 *
 * @example failure(DINGTALK_ROBOT_ERRORS, '130101', 'send too fast').rateLimited // true
 */
export const DINGTALK_ROBOT_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  '-1': 'retryable', // system busy
  [RATE_LIMIT_CODE]: 'rate_limited', // send too fast, exceed 20 times per minute ◐
  '310000': 'account', // security check: keywords / sign / timestamp / IP ◐
  '300001': 'account', // token is not exist ◐
  '400013': 'account', // ❓ reported; read as "the group was dissolved"
  '410100': 'rate_limited', // ❓ reported; read as "sending too fast, throttled"
  '400101': 'account', // ❓ access_token does not exist
  '400102': 'account', // ❓ robot disabled
  '400106': 'account', // ❓ robot does not exist
  '400105': 'permanent', // ❓ unsupported msgtype
  '430101': 'permanent', // ❓ content holds an unsafe link
  '430102': 'permanent', // ❓ content holds unsuitable text
  '430103': 'permanent', // ❓ content holds an unsuitable image
  '430104': 'permanent', // ❓ content unsuitable
  [MENTION_UNSUPPORTED]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
});

/**
 * A failure classified by {@link DINGTALK_ROBOT_ERRORS}; the lock code carries its known wait.
 *
 * @example robotFailure('130101', 'send too fast').retryAfterMs // 600000
 * @example robotFailure('310000', 'keywords not in content').failover // true
 */
export function robotFailure(
  code: string,
  message: string,
  opts: { fallback?: ErrorClass; inDoubt?: boolean } = {},
): SendFailure {
  return failure(DINGTALK_ROBOT_ERRORS, code, message || code, {
    ...opts,
    ...(code === RATE_LIMIT_CODE ? { retryAfterMs: LOCK_MS } : {}),
  });
}
