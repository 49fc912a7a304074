import { type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/** The answer was not WeCom's `{ errcode, errmsg }` JSON (a proxy's page, a cut-off body). */
export const BAD_RESPONSE = 'BAD_RESPONSE';
/** The post @-mentions people the message type cannot mention (see message.ts). */
export const MENTION_UNSUPPORTED = 'MENTION_UNSUPPORTED';
/** The markdown with its `<@userid>` mentions appended grew past WeCom's 4096 bytes. */
export const CONTENT_TOO_LONG = 'CONTENT_TOO_LONG';
/** Image or file bytes that are not strict base64, or an image that is not JPG/PNG. */
export const BAD_MEDIA = 'BAD_MEDIA';
/** A file (given or downloaded) outside WeCom's 5 B–20 MB, or beyond the download cap. */
export const FILE_TOO_LARGE = 'FILE_TOO_LARGE';
/** The answer to an upload had no `media_id`. */
export const NO_MEDIA_ID = 'NO_MEDIA_ID';

/**
 * WeCom's codes for robot calls (PROVIDERS.md §6.3 and WeCom's global error-code table, document
 * 90313, as WxJava's `WxCpErrorMsgEnum` lists it ◐) and ours, as classes:
 * - the robot itself (key wrong, robot removed from the group or disabled) is `account`: this
 *   account cannot post at all, a human must fix the webhook;
 * - "slow down" (45009: 20 posts a minute per robot) is `rate_limited`, retried after a minute;
 * - what is wrong with this message (type, empty or over-long text, image size, article count)
 *   is `permanent`: no retry or other robot would take it;
 * - a `media_id` refused right after its upload is `retryable`: each attempt uploads afresh.
 * File downloads add `FILE_HTTP_<status>` and `FILE_<transport code>` codes (not listed: 5xx, 429
 * and transport failures retry, the rest do not).
 *
 * @example failure(WECOM_ROBOT_ERRORS, '93000', 'invalid webhook url').failover // true
 */
export const WECOM_ROBOT_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  FILE_HTTP_BLOCKED_ADDRESS: 'permanent', // a file URL the SSRF guard refused
  '-1': 'retryable', // system busy
  '93000': 'account', // webhook key invalid, or the robot was removed from its group
  '93004': 'account', // robot disabled
  '93008': 'account', // robot not in the group
  '60020': 'account', // caller IP not allowed
  '45009': 'rate_limited', // 20 messages a minute per robot
  '45033': 'rate_limited', // concurrent calls
  '40008': 'permanent', // invalid msgtype
  '44004': 'permanent', // empty text content
  '40058': 'permanent', // invalid parameter: "markdown.content exceed max length 4096" and others
  '45002': 'permanent', // content too long
  '45008': 'permanent', // article count outside 1–8
  '41016': 'permanent', // article without title
  '41010': 'permanent', // article without url
  '47001': 'permanent', // body is not JSON
  '40004': 'permanent', // media type not accepted (image not JPG/PNG)
  '40009': 'permanent', // image size
  '40005': 'permanent', // upload type invalid
  '40006': 'permanent', // file size outside 5 B–20 MB
  '44001': 'permanent', // empty media
  '45001': 'permanent', // media too large
  '41006': 'permanent', // media_id missing
  '40007': 'retryable', // media_id invalid or expired: the next attempt uploads again
  [BAD_RESPONSE]: 'retryable',
  [NO_MEDIA_ID]: 'retryable',
  [MENTION_UNSUPPORTED]: 'permanent',
  [CONTENT_TOO_LONG]: 'permanent',
  [BAD_MEDIA]: 'permanent',
  [FILE_TOO_LARGE]: 'permanent',
});

/** How long a robot over its 20-a-minute budget should wait: the whole minute (◐, rolling or not). */
export const RATE_LIMIT_RETRY_MS = 60_000;
