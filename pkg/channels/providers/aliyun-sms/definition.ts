import type { ProviderDefinition } from '../../definition.ts';
import { type SmsContent, smsAccepts, smsContent } from '../../sms/content.ts';
import { createAliyunSmsClient } from './client.ts';
import { ALIYUN_BASE_URL, type AliyunSmsConfig, aliyunSmsConfig } from './config.ts';
import { ALIYUN_SMS_ERRORS } from './errors.ts';
import { ALIYUN_MAX_PHONES } from './send.ts';

export { ALIYUN_BASE_URL, type AliyunSmsConfig, aliyunSmsConfig };

/**
 * Alibaba Cloud SMS (dysmsapi 2017-05-25): approved templates by TemplateCode with named
 * parameters, up to 1000 numbers per SendSms call, requests signed with ACS3-HMAC-SHA256 (or
 * the RPC HMAC-SHA1 signature), receipts pulled with QuerySendDetails or pushed as SmsReport.
 *
 * @example
 * // account: { "channel": "sms", "provider": "aliyun",
 * //   "config": { "accessKeyId": "LTAI…", "accessKeySecret": "…", "signName": "阿里云短信测试" } }
 * // template content: { "text": "Your code is {$code}",
 * //   "providers": { "aliyun": { "templateCode": "SMS_154950909", "params": { "code": "{$code}" } } } }
 */
export const aliyunSms = Object.freeze<ProviderDefinition<AliyunSmsConfig, SmsContent>>({
  channel: 'sms',
  provider: 'aliyun',
  title: 'Alibaba Cloud SMS (阿里云短信服务)',
  config: aliyunSmsConfig,
  content: smsContent,
  accepts: smsAccepts('aliyun'),
  receivers: ['phone'],
  errors: ALIYUN_SMS_ERRORS,
  capabilities: { batch: ALIYUN_MAX_PHONES, receipts: true, testConnection: true },
  create: (config, kit) => createAliyunSmsClient(config, kit),
});
