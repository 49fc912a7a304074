import { type ErrorClass, type ErrorTable, failure, type SendFailure } from '../../definition.ts';

/** A receiver that is not a phone number Tencent can take (not E.164, or a +86 non-mobile): never sent. */
export const INVALID_NUMBER = 'INVALID_NUMBER';
/** The answer was not Tencent's `{"Response": …}` JSON, or it left a number out. */
export const BAD_RESPONSE = 'BAD_RESPONSE';
/** The content has no `providers.tencent` entry (routing should never pick the account then). */
export const NO_TEMPLATE = 'NO_TEMPLATE';

/**
 * Tencent Cloud SMS codes (PROVIDERS.md §1.6: the SDK's errors.go, the SendSms error list and
 * the API 3.0 common codes) and ours, as classes. The same table reads request-level
 * `Response.Error.Code` and the per-number `SendStatusSet[].Code`, since Tencent reports
 * template and signature refusals either way.
 * - per number: bad or blacklisted numbers and the per-number frequency limits are `permanent`
 *   (failing over would bypass the protection the limit is for), as are content errors;
 * - per account: credentials, balance, arrears, signature/template not approved for this app,
 *   the app's own daily quotas and region rules are `account`: another account may send it;
 * - the clock (`SignatureExpire`, `RequestTimeException`) is `retryable`: a fixed clock helps,
 *   and another provider's wider window may take it meanwhile.
 *
 * @example failure(TENCENT_SMS_ERRORS, 'FailedOperation.InsufficientBalanceInSmsPackage', 'balance').failover // true
 */
export const TENCENT_SMS_ERRORS: ErrorTable = Object.freeze({
  // Auth / clock (common codes)
  'AuthFailure.SignatureFailure': 'account',
  'AuthFailure.SecretIdNotFound': 'account',
  'AuthFailure.InvalidSecretId': 'account',
  'AuthFailure.TokenFailure': 'account',
  'AuthFailure.InvalidAuthorization': 'account',
  'AuthFailure.UnauthorizedOperation': 'account',
  'AuthFailure.MFAFailure': 'account',
  'AuthFailure.SignatureExpire': 'retryable',
  'InternalError.RequestTimeException': 'retryable',
  // API rate limits
  RequestLimitExceeded: 'rate_limited',
  'RequestLimitExceeded.IPLimitExceeded': 'rate_limited',
  'RequestLimitExceeded.UinLimitExceeded': 'rate_limited',
  // Per-number frequency: this number gets no more now, from any account.
  'LimitExceeded.PhoneNumberThirtySecondLimit': 'permanent',
  'LimitExceeded.PhoneNumberOneHourLimit': 'permanent',
  'LimitExceeded.PhoneNumberDailyLimit': 'permanent',
  'LimitExceeded.PhoneNumberSameContentDailyLimit': 'permanent',
  // The console's frequency policy, applied per number.
  'LimitExceeded.DeliveryFrequencyLimit': 'permanent',
  // The app's own quotas and country rules: another account is not bound by them.
  'LimitExceeded.AppDailyLimit': 'account',
  'LimitExceeded.DailyLimit': 'account',
  'LimitExceeded.AppMainlandChinaDailyLimit': 'account',
  'LimitExceeded.AppGlobalDailyLimit': 'account',
  'LimitExceeded.AppCountryOrRegionDailyLimit': 'account',
  'LimitExceeded.AppCountryOrRegionInBlacklist': 'account',
  // Requests we never build (split before): permanent if they happen anyway.
  'LimitExceeded.PhoneNumberCountLimit': 'permanent',
  'MissingParameter.EmptyPhoneNumberSet': 'permanent',
  'UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber': 'permanent',
  // The receiver
  'InvalidParameterValue.IncorrectPhoneNumber': 'permanent',
  'FailedOperation.PhoneNumberInBlacklist': 'permanent',
  'FailedOperation.PhoneNumberParseFail': 'permanent',
  // Balance / arrears (both spellings exist)
  'FailedOperation.InsufficientBalanceInSmsPackage': 'account',
  'UnauthorizedOperation.SerivceSuspendDueToArrears': 'account',
  'UnauthorizedOperation.ServiceSuspendDueToArrears': 'account',
  // Signature, template, app and permissions of this account
  'FailedOperation.SignatureIncorrectOrUnapproved': 'account',
  'FailedOperation.TemplateIncorrectOrUnapproved': 'account',
  'FailedOperation.TemplateUnapprovedOrNotExist': 'account',
  'FailedOperation.TemplateIdNotExist': 'account',
  'FailedOperation.MissingSignatureList': 'account',
  'FailedOperation.MissingTemplateList': 'account',
  'UnauthorizedOperation.SmsSdkAppIdVerifyFail': 'account',
  'UnauthorizedOperation.SdkAppIdIsDisabled': 'account',
  'InvalidParameterValue.SdkAppIdNotExist': 'account',
  'InvalidParameter.AppidAndBizId': 'account',
  'UnauthorizedOperation.RequestPermissionDeny': 'account',
  'UnauthorizedOperation.RequestIpNotInWhitelist': 'account',
  'UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny': 'account',
  'UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone': 'account',
  'UnsupportedOperation.GlobalTemplateToChineseMainlandPhone': 'account',
  'UnsupportedOperation.UnsuportedRegion': 'account',
  'UnsupportedOperation.UnsupportedRegion': 'account',
  // Content and template parameters
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate': 'permanent',
  'FailedOperation.ContainSensitiveWord': 'permanent',
  'InvalidParameter.DirtyWordFound': 'permanent',
  'InvalidParameterValue.ContentLengthLimit': 'permanent',
  'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter': 'permanent',
  'InvalidParameterValue.TemplateParameterFormatError': 'permanent',
  'InvalidParameterValue.TemplateParameterLengthLimit': 'permanent',
  // Marketing outside 8:00–22:00; quiet hours are the platform's to apply, not a retry loop's.
  'FailedOperation.MarketingSendTimeConstraint': 'permanent',
  'FailedOperation.JsonParseFail': 'permanent',
  'FailedOperation.FailResolvePacket': 'permanent',
  'InternalError.JsonParseFail': 'permanent',
  'InternalError.RestApiInterfaceNotExist': 'permanent',
  // Server side
  InternalError: 'retryable',
  'InternalError.Timeout': 'retryable',
  'InternalError.SendAndRecvFail': 'retryable',
  'InternalError.OtherError': 'retryable',
  'InternalError.UnknownError': 'retryable',
  'InternalError.ParseBackendResponseFail': 'retryable',
  'InternalError.SigFieldMissing': 'retryable',
  'InternalError.SigVerificationFail': 'retryable',
  ServiceUnavailable: 'retryable',
  ResourceUnavailable: 'retryable',
  // Ours
  [INVALID_NUMBER]: 'permanent',
  [BAD_RESPONSE]: 'retryable',
  [NO_TEMPLATE]: 'permanent',
});

/**
 * Codes after which the message may have gone out: Tencent's own send timed out behind the API
 * (60008 in the old numbering), or the answer could not be read. Retried on this account only.
 */
const IN_DOUBT: ReadonlySet<string> = new Set([
  'InternalError.Timeout',
  'InternalError.SendAndRecvFail',
  BAD_RESPONSE,
]);

/** Class of a code not in the table, by its family (the part before the dot). */
function familyClass(code: string): ErrorClass {
  const family = code.split('.')[0];
  if (family === 'InternalError') return 'retryable';
  if (family === 'RequestLimitExceeded') return 'rate_limited';
  if (family === 'AuthFailure' || family === 'UnauthorizedOperation') return 'account';
  return 'permanent';
}

/**
 * A failure classified by {@link TENCENT_SMS_ERRORS} (unknown codes by their family, or by
 * `fallback`), marked in doubt where the message may have been sent.
 *
 * @example tencentFailure('InternalError.Timeout', 'send timed out').inDoubt // true
 * @example tencentFailure('LimitExceeded.PhoneNumberDailyLimit', 'daily limit').retryable // false
 */
export function tencentFailure(code: string, message: string, fallback?: ErrorClass): SendFailure {
  return failure(TENCENT_SMS_ERRORS, code, message || code, {
    fallback: fallback ?? familyClass(code),
    ...(IN_DOUBT.has(code) ? { inDoubt: true } : {}),
  });
}
