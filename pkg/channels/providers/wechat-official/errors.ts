import type { ErrorTable } from '../../definition.ts';
import { WECHAT_COMMON_ERRORS } from '../wechat-api/errors.ts';

/**
 * WeChat's "this `client_msg_id` was already sent" (the global return-code table: the answer
 * carries the existing msgid). A retry of a send WeChat took: the client reads it as sent.
 */
export const ALREADY_SENT = '45065';

/**
 * The official account's errcodes (PROVIDERS.md §9.3) on top of WeChat's common ones, as
 * classes: a bad or unfollowing receiver and a bad template or argument are `permanent`; a
 * template WeChat restricted for abuse stops this account (`account`).
 *
 * @example failure(WECHAT_OFFICIAL_ERRORS, '43004', 'require subscribe').retryable // false
 * @example failure(WECHAT_OFFICIAL_ERRORS, '45009', 'reach max api daily quota limit').rateLimited // true
 */
export const WECHAT_OFFICIAL_ERRORS: ErrorTable = Object.freeze({
  ...WECHAT_COMMON_ERRORS,
  '40003': 'permanent', // invalid openid (or one of another account)
  '40036': 'permanent', // invalid template_id size
  '40037': 'permanent', // invalid template_id
  '43004': 'permanent', // the receiver does not follow the account
  '43019': 'permanent', // the receiver is in the account's blacklist ◐
  '43116': 'account', // the template is restricted for abuse ◐
  '45066': 'rate_limited', // the same client_msg_id retried too fast (wait a minute)
  '47003': 'permanent', // argument invalid (errmsg names the field, e.g. data.thing1.value)
});
