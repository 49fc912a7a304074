import { type ErrorClass, type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/** A receiver that is neither a 2088… user id nor an open id: refused without a call. */
export const INVALID_RECEIVER = 'INVALID_RECEIVER';
/** The answer was not Alipay's JSON, or had no `…_response` member (a proxy's page, a cut-off body). */
export const BAD_RESPONSE = 'BAD_RESPONSE';
/**
 * The answer's signature does not verify with the configured Alipay public key (or a success
 * came unsigned): its content cannot be trusted, so a send is in doubt.
 */
export const BAD_SIGNATURE = 'BAD_SIGNATURE';

/**
 * Alipay's gateway codes and `sub_code`s (PROVIDERS.md §10b.8) and ours, as classes. An answer
 * is classified by its `sub_code` when the table has it, else by its `code` (the gateway class),
 * so an unknown business sub-code of `40004` is permanent and an unknown `20000` one retryable:
 * - `40004` business failures are about this receiver or this content: the user has not
 *   subscribed (or used up a one-time subscription), refused, the template or its keywords do not
 *   match, the receiver id is invalid: permanent, another account cannot fix them;
 * - a signature Alipay refuses, an unknown app id, a missing app public key, ISV tokens and
 *   missing product permissions (`40006`) are the account's: it cannot send, another may;
 * - `40005` call limits say slow down; `20000` is Alipay busy;
 * - `isv.invalid-timestamp` is retryable: nothing was sent, and the next call is timestamped
 *   afresh (a handler whose clock is off is the likelier cause than our format);
 * - other malformed common parameters (`40001`, `40002` …) are our bug: permanent.
 * `BAD_SIGNATURE` is the account's (a wrong `alipayPublicKey` fails every answer): never failed
 * over nor retried as is, since the send it answered may have gone out (in doubt).
 *
 * @example failure(ALIPAY_MINIPROGRAM_ERRORS, 'MSG_UNSUBSCRIBED', 'user has not subscribed').retryable // false
 */
export const ALIPAY_MINIPROGRAM_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  // Gateway classes (the fallback of sub-codes not listed below).
  '20000': 'retryable',
  '20001': 'account',
  '40001': 'permanent',
  '40002': 'permanent',
  '40004': 'permanent',
  '40005': 'rate_limited',
  '40006': 'account',
  // 20000: Alipay busy.
  'aop.unknow-error': 'retryable',
  'isp.unknow-error': 'retryable',
  // 20001: ISV app_auth_token (this client calls as the app itself; re-authorise).
  'aop.invalid-app-auth-token': 'account',
  'aop.app-auth-token-time-out': 'account',
  // 40002: credentials and console setup.
  'isv.invalid-signature': 'account',
  'isv.invalid-app-id': 'account',
  'isv.missing-signature-config': 'account',
  'isv.invalid-timestamp': 'retryable',
  'isv.invalid-signature-type': 'permanent',
  'isv.invalid-charset': 'permanent',
  'isv.invalid-method': 'permanent',
  'isv.invalid-parameter': 'permanent',
  // 40004: the template, its data and the receiver.
  USER_TEMPLATE_ILLEGAL: 'permanent',
  USER_TEMPLATE_LACK_KEYWORD: 'permanent',
  USER_KEYWORD_LENGTH_ERROR: 'permanent',
  DATA_CONTENT_FORMAT_ERROR: 'permanent',
  BIZ_CONTENT_FORMAT_ERROR: 'permanent',
  USER_ID_INVALID: 'permanent',
  PAGE_OVER_LIMIT: 'permanent',
  USER_TEMPLATE_STATUS_ILLEGAL: 'permanent',
  DATA_SENSITIVE: 'permanent',
  // 40004: the subscription (permanent for this receiver until they subscribe again).
  MSG_UNSUBSCRIBED: 'permanent',
  MSG_REJECTED: 'permanent',
  MSG_UNAUTHORIZED: 'permanent',
  MSG_SINGLE_SD_OVER: 'permanent',
  // 40004: named only (meaning ❓ in PROVIDERS.md); permanent, as the table advises.
  MSG_SEND_ERROR: 'permanent',
  MSG_CONTENT_NOT_INTERESTED: 'permanent',
  NO_RECENT_VISIT_RECORD: 'permanent',
  NO_PLACE_ORDER_RECORD: 'permanent',
  APP_TYPE_ERROR: 'permanent',
  MESSAGE_SEND_AUTH_ERROR: 'permanent',
  // 40004: the old form_id / trade_no path (never used by this client).
  FORM_ID_OVER_TIME: 'permanent',
  FORM_ID_NOT_MATCH_APPID: 'permanent',
  TRADE_NO_NOT_MATCH_USERID: 'permanent',
  FORM_ID_INVALID: 'permanent',
  FORM_ID_SEND_LIMIT: 'permanent',
  // 40005: call limits.
  'isv.app-call-limited': 'rate_limited',
  'isv.method-call-limited': 'rate_limited',
  'app-call-limited': 'rate_limited',
  'method-call-limited': 'rate_limited',
  // 40006: the product is not bound or signed for the app.
  'isv.insufficient-isv-permissions': 'account',
  'isv.insufficient-user-permissions': 'account',
  // Ours.
  [INVALID_RECEIVER]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
  [BAD_SIGNATURE]: 'account',
});

/**
 * The class of an answer whose `sub_code` is not in the table: its gateway `code`'s, else
 * `isp.*` / `aop.*` (Alipay's side) retryable and anything else permanent.
 *
 * @example fallbackClass('40004', 'SOMETHING_NEW') // 'permanent'
 * @example fallbackClass('99999', 'isp.new-error') // 'retryable'
 */
export function fallbackClass(code: string, subCode: string | undefined): ErrorClass {
  if (Object.hasOwn(ALIPAY_MINIPROGRAM_ERRORS, code)) return ALIPAY_MINIPROGRAM_ERRORS[code]!;
  return subCode?.startsWith('isp.') || subCode?.startsWith('aop.') ? 'retryable' : 'permanent';
}
