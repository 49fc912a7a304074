import { type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/** A receiver that is not a phone number: refused before any call. */
export const INVALID_NUMBER = 'INVALID_NUMBER';
/** The answer was not Yunpian's JSON, or named no result for a number that was sent. */
export const BAD_RESPONSE = 'BAD_RESPONSE';
/**
 * The text does not start with a `【signature】` and the account has no `signName` to put
 * there: Yunpian would refuse it, another account (with a sign name) may not.
 */
export const NO_SIGNATURE = 'NO_SIGNATURE';

/**
 * Yunpian v2 return codes (PROVIDERS.md §3.5, the SDK's `Code.java`) and ours, as classes.
 * `account`: what stops this account while another could send — balance, apikey/permissions,
 * the text matching no template approved at this account (5, 7), signature rules (15, 16, -57),
 * marketing paused (13), regions this account cannot reach (20, 23). Per-number frequency limits
 * (8, 9, 17, 22) are `permanent` for the receiver: Yunpian protects the number, and failing
 * over would bypass that. Codes not listed fall back to `permanent`.
 *
 * @example failure(YUNPIAN_ERRORS, '-5', '访问频率超限').rateLimited // true
 * @example failure(YUNPIAN_ERRORS, '3', '账户余额不足').failover // true
 */
export const YUNPIAN_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  '1': 'permanent', // missing argument
  '2': 'permanent', // bad argument format (e.g. the number)
  '3': 'account', // insufficient balance
  '4': 'permanent', // keyword blocked (the content)
  '5': 'account', // no template approved at this account matches the text
  '7': 'account', // template not usable
  '8': 'permanent', // same content to the number within 30 s
  '9': 'permanent', // same content to the number more than 3 times in 5 min
  '10': 'permanent', // number blacklisted
  '13': 'account', // marketing SMS paused
  '14': 'permanent', // decoding failed
  '15': 'account', // signature does not match
  '16': 'account', // bad signature format
  '17': 'permanent', // 24 h per-number limit
  '20': 'account', // country/region not supported
  '22': 'permanent', // 1 h per-number limit
  '23': 'account', // number's region outside the template's regions
  '-1': 'account', // invalid apikey
  '-2': 'account', // API not permitted
  '-3': 'account', // caller IP not permitted
  '-4': 'rate_limited', // access count exceeded
  '-5': 'rate_limited', // access rate exceeded
  '-6': 'account', // batch sending not supported
  '-50': 'retryable', // unknown exception (the client marks a send in doubt)
  '-51': 'retryable', // system busy
  '-53': 'retryable', // submitting the SMS failed
  '-57': 'account', // fixed-signature account without a signature set
  [INVALID_NUMBER]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
  [NO_SIGNATURE]: 'account',
});
