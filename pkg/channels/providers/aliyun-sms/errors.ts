import { type ErrorClass, type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/** A receiver that is not a phone number: refused without a call. */
export const INVALID_NUMBER = 'INVALID_NUMBER';
/** The answer was not Alibaba's JSON (a proxy's error page, a cut-off body). */
export const BAD_RESPONSE = 'BAD_RESPONSE';
/** The template content has no `aliyun` entry (routing should never pick this account then). */
export const NO_TEMPLATE = 'NO_TEMPLATE';

/**
 * Alibaba Cloud SMS error codes (PROVIDERS.md §2.8: the SMS error-code page and the API gateway
 * page) and ours, as classes:
 * - per-number frequency control (`isv.BUSINESS_LIMIT_CONTROL`: 1/min, 5/h, 10/day for codes)
 *   is `permanent`: Aliyun refuses more to this number now, and failing over to another
 *   account would bypass that protection;
 * - the daily/monthly send quotas set on the account, balance, suspension, unapproved sign or
 *   template, RAM denials and credentials are `account`: this account cannot send, another may;
 * - a refused timestamp or nonce is `retryable` (nothing was sent; the next call carries a new
 *   nonce and a fresh timestamp);
 * - the gateway's flow control is `rate_limited`; Aliyun's own errors (`isp.SYSTEM_ERROR`) and
 *   5xx are `retryable`.
 * Codes not listed fall back in the client: `isp.*` retryable, other codes permanent, and a
 * non-200 answer by its status (429 rate limited, 5xx retryable).
 *
 * @example failure(ALIYUN_SMS_ERRORS, 'isv.AMOUNT_NOT_ENOUGH', 'balance').failover // true
 */
export const ALIYUN_SMS_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  // Frequency and quotas.
  'isv.BUSINESS_LIMIT_CONTROL': 'permanent',
  'isv.DAY_LIMIT_CONTROL': 'account',
  'isv.MONTH_LIMIT_CONTROL': 'account',
  'Throttling.User': 'rate_limited',
  Throttling: 'rate_limited',
  'Throttling.Api': 'rate_limited',
  // Receivers.
  'isv.MOBILE_NUMBER_ILLEGAL': 'permanent',
  'isv.MOBILE_COUNT_OVER_LIMIT': 'permanent',
  'isv.BLACK_KEY_CONTROL_LIMIT': 'permanent',
  // Content and template parameters.
  'isv.TEMPLATE_MISSING_PARAMETERS': 'permanent',
  'isv.INVALID_JSON_PARAM': 'permanent',
  'isv.INVALID_PARAMETERS': 'permanent',
  'isv.PARAM_LENGTH_LIMIT': 'permanent',
  'isv.PARAM_NOT_SUPPORT_URL': 'permanent',
  // The account: balance, service, approvals, permissions, credentials.
  'isv.AMOUNT_NOT_ENOUGH': 'account',
  'isv.OUT_OF_SERVICE': 'account',
  'isv.PRODUCT_UN_SUBSCRIPT': 'account',
  'isv.ACCOUNT_NOT_EXISTS': 'account',
  'isv.ACCOUNT_ABNORMAL': 'account',
  'isv.SMS_SIGNATURE_ILLEGAL': 'account',
  'isv.SMS_TEMPLATE_ILLEGAL': 'account',
  'isp.RAM_PERMISSION_DENY': 'account',
  SignatureDoesNotMatch: 'account',
  IncompleteSignature: 'account',
  'InvalidAccessKeyId.NotFound': 'account',
  'InvalidAccessKeyId.Inactive': 'account',
  Forbidden: 'account',
  'Forbidden.RAM': 'account',
  // Refused before anything was sent; the next call is signed afresh.
  'InvalidTimeStamp.Expired': 'retryable',
  SignatureNonceUsed: 'retryable',
  // Alibaba's side.
  'isp.SYSTEM_ERROR': 'retryable',
  ServiceUnavailable: 'retryable',
  InternalError: 'retryable',
  // HTTP answers without Alibaba's JSON, and transport (the kit's HttpError codes).
  [INVALID_NUMBER]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
  [NO_TEMPLATE]: 'permanent',
});

/**
 * The class of a code not in the table: by HTTP status for a non-200 answer, else `isp.*`
 * (Alibaba's platform) retryable and the rest (`isv.*`, the caller's request) permanent.
 *
 * @example fallbackClass('isp.UNKNOWN', 200) // 'retryable'
 * @example fallbackClass('isv.SOMETHING_NEW', 200) // 'permanent'
 */
export function fallbackClass(code: string, status: number): ErrorClass {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'retryable';
  return code.startsWith('isp.') ? 'retryable' : 'permanent';
}
