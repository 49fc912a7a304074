import { type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/** The rendered request body is over Feishu's 20 KB limit: never sent. */
export const BODY_TOO_LARGE = 'BODY_TOO_LARGE';
/**
 * The post's mentions cannot be made: a phone number or email (custom bots mention by open_id or
 * user_id only), or a message type that carries no mention (image, group card, template card).
 */
export const MENTION_UNSUPPORTED = 'MENTION_UNSUPPORTED';
/** The answer was not Feishu's `{ code, msg }` JSON: the post may or may not have been made. */
export const BAD_RESPONSE = 'BAD_RESPONSE';

/**
 * Feishu custom bot codes (PROVIDERS.md §8.4) and ours, as classes.
 * - `19021` (sign mismatch or timestamp over an hour off), `19022` (caller IP outside the bot's
 *   allowlist) and `19001` (no such hook: the bot was removed or the id mistyped) stop this
 *   account from posting anything: `account`, so another account of the route may take it;
 * - `19024` (no configured keyword in the text), `9499` (malformed body, over 20 KB) and the
 *   other parameter errors are about this message: `permanent`;
 * - `11232` is the custom bot's own frequency limit (100/min and 5/s per bot), `99991400` the
 *   open platform gateway's: `rate_limited`.
 * Codes verified in the custom-bot guide: 19021, 19022, 19024, 9499 and 11232 (named in its
 * rate-limit note); 19001, 19002 and 19036 are as observed in responses (◐), 99991400 is from the
 * platform's rate-limit page (频控策略).
 *
 * @example failure(FEISHU_ROBOT_ERRORS, '19021', 'sign match fail').failover // true
 */
export const FEISHU_ROBOT_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  '19001': 'account', // param invalid: incoming webhook access token invalid ◐
  '19021': 'account', // sign match fail or timestamp is not within one hour from current time
  '19022': 'account', // Ip Not Allowed
  '19024': 'permanent', // Key Words Not Found
  '19002': 'permanent', // param invalid (e.g. msg_type) ◐
  '19036': 'permanent', // the message exceeds the size limit ◐
  '9499': 'permanent', // Bad Request: malformed JSON, wrong field types, body over 20 KB
  '11232': 'rate_limited', // frequency limited (the custom bot's 100/min, 5/s)
  '99991400': 'rate_limited', // request trigger frequency limit (open platform gateway)
  [BODY_TOO_LARGE]: 'permanent',
  [MENTION_UNSUPPORTED]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
});
