import type { ProviderDefinition } from '../../definition.ts';
import { type SmsContent, smsAccepts, smsContent } from '../../sms/content.ts';
import { createYunpianClient, YUNPIAN_MAX_BATCH } from './client.ts';
import { YUNPIAN_BASE_URL, type YunpianConfig, yunpianConfig } from './config.ts';
import { YUNPIAN_ERRORS } from './errors.ts';

export { YUNPIAN_BASE_URL, type YunpianConfig, yunpianConfig };

/**
 * Yunpian SMS (云片, API v2): the template's rendered text is sent as is — it must match a
 * template approved at Yunpian and start with its `【signature】` (the account's `signName` is
 * put in front when it does not). Up to 1000 mainland numbers per call; receipts from the pull
 * queue (`pull_status.json`) or the push to the callback route (reply `SUCCESS`).
 *
 * @example
 * // account: { "channel": "sms", "provider": "yunpian",
 * //   "config": { "apiKey": "9b11127a9701975c734b8aee81ee3526", "signName": "云片网" } }
 * // template content: { "text": "【云片网】您的验证码是{$code}", "providers": { "yunpian": { "tplId": "1" } } }
 */
export const yunpianSms = Object.freeze<ProviderDefinition<YunpianConfig, SmsContent>>({
  channel: 'sms',
  provider: 'yunpian',
  title: 'Yunpian SMS (云片短信)',
  config: yunpianConfig,
  content: smsContent,
  accepts: smsAccepts('yunpian'),
  receivers: ['phone'],
  errors: YUNPIAN_ERRORS,
  capabilities: { batch: YUNPIAN_MAX_BATCH, receipts: true, testConnection: true },
  create: (config, kit) => createYunpianClient(config, kit),
});
