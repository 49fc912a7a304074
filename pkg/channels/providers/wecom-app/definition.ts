import type { ProviderDefinition } from '../../definition.ts';
import { createWecomAppClient, WECOM_MAX_TOUSER } from './client.ts';
import { WECOM_BASE_URL, type WecomAppConfig, wecomAppConfig } from './config.ts';
import { type WecomAppContent, wecomAppContent } from './content.ts';
import { WECOM_APP_ERRORS } from './errors.ts';

export { WECOM_BASE_URL, type WecomAppConfig, wecomAppConfig };

/**
 * WeCom (WeChat Work) app messages: sent by an app to corp members by userid (`@all` = the
 * app's whole visible range), up to 1000 receivers per call, recallable by msgid. The access
 * token is shared through the kit's token cache by every handler process.
 *
 * @example
 * // account: { "channel": "wecom_app", "provider": "wecom",
 * //   "config": { "corpId": "ww1234", "corpSecret": "…", "agentId": 1000002 } }
 * // template content: { "text": "Order {$order} shipped" }
 */
export const wecomApp = Object.freeze<ProviderDefinition<WecomAppConfig, WecomAppContent>>({
  channel: 'wecom_app',
  provider: 'wecom',
  title: 'WeCom app message (企业微信应用消息)',
  config: wecomAppConfig,
  content: wecomAppContent,
  receivers: ['user_id'],
  errors: WECOM_APP_ERRORS,
  capabilities: { batch: WECOM_MAX_TOUSER, recall: true, testConnection: true },
  create: (config, kit) => createWecomAppClient(config, kit),
});
