import type { ErrorTable } from '../../definition.ts';
import { WECHAT_COMMON_ERRORS } from '../wechat-api/errors.ts';

/**
 * The subscribe message's errcodes (PROVIDERS.md §10, the sendMessage page) on top of WeChat's
 * common ones, as classes. `43101` — the user refused, unsubscribed or used up a one-time grant —
 * is `permanent`: no retry can succeed until the user subscribes again in the mini program. A bad
 * openid, template, keyword value or page is `permanent` too.
 *
 * @example failure(WECHAT_MINIPROGRAM_ERRORS, '43101', 'user refuse to accept the msg').retryable // false
 * @example failure(WECHAT_MINIPROGRAM_ERRORS, '45009', 'reach max api daily quota limit').rateLimited // true
 */
export const WECHAT_MINIPROGRAM_ERRORS: ErrorTable = Object.freeze({
  ...WECHAT_COMMON_ERRORS,
  '40003': 'permanent', // touser openid empty or invalid
  '40037': 'permanent', // subscribe template id empty or invalid
  '41030': 'permanent', // page not in the released mini program
  '43101': 'permanent', // the user refused / has no subscription left
  '47003': 'permanent', // template argument invalid (errmsg names the field)
});
