import type { ProviderDefinition } from '../../definition.ts';
import { type SmsContent, smsAccepts, smsContent } from '../../sms/content.ts';
import { createTencentSmsClient, TENCENT_MAX_NUMBERS } from './client.ts';
import { TENCENT_SMS_BASE_URL, type TencentSmsConfig, tencentSmsConfig } from './config.ts';
import { TENCENT_SMS_ERRORS } from './errors.ts';

export { TENCENT_SMS_BASE_URL, type TencentSmsConfig, tencentSmsConfig };

/**
 * Tencent Cloud SMS (API 3.0, TC3-HMAC-SHA256 signed): template messages to E.164 numbers, up
 * to 200 per call (mainland and international in separate calls), receipts pulled from
 * PullSmsSendStatus or pushed to the account's callback route.
 *
 * @example
 * // account: { "channel": "sms", "provider": "tencent", "config": { "secretId": "AKID…",
 * //   "secretKey": "…", "sdkAppId": "1400006666", "signName": "腾讯云", "region": "ap-guangzhou" } }
 * // template content: { "text": "Your code is {$code}", "providers": { "tencent": { "templateId": "123", "params": ["{$code}"] } } }
 */
export const tencentSms = Object.freeze<ProviderDefinition<TencentSmsConfig, SmsContent>>({
  channel: 'sms',
  provider: 'tencent',
  title: 'Tencent Cloud SMS (腾讯云短信)',
  config: tencentSmsConfig,
  content: smsContent,
  accepts: smsAccepts('tencent'),
  receivers: ['phone'],
  errors: TENCENT_SMS_ERRORS,
  capabilities: { batch: TENCENT_MAX_NUMBERS, receipts: true, testConnection: true },
  create: (config, kit) => createTencentSmsClient(config, kit),
});
