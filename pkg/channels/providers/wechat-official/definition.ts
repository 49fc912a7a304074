import type { ProviderDefinition } from '../../definition.ts';
import { WECHAT_BASE_URL, type WechatConfig, wechatConfig } from '../wechat-api/config.ts';
import { createWechatOfficialClient } from './client.ts';
import { type WechatOfficialContent, wechatOfficialContent } from './content.ts';
import { WECHAT_OFFICIAL_ERRORS } from './errors.ts';

export { WECHAT_BASE_URL, type WechatConfig, wechatConfig };

/**
 * WeChat official account (服务号) template messages: one call per receiver (an openid that
 * follows the account), tapping through to a web page or a bound mini program. The stable
 * access token is shared through the kit's token cache by every handler process; no recall.
 *
 * @example
 * // account: { "channel": "wechat_official", "provider": "wechat",
 * //   "config": { "appId": "wx1234567890abcdef", "appSecret": "…" } }
 * // template content: { "templateId": "ngqIpbwh8bUf…", "data": { "thing1": "{$item}", "amount2": "¥{$total}" },
 * //   "url": "https://shop.example.com/o/{$order}" }
 */
export const wechatOfficial = Object.freeze<ProviderDefinition<WechatConfig, WechatOfficialContent>>({
  channel: 'wechat_official',
  provider: 'wechat',
  title: 'WeChat official account template message (微信公众号模板消息)',
  config: wechatConfig,
  content: wechatOfficialContent,
  receivers: ['open_id'],
  errors: WECHAT_OFFICIAL_ERRORS,
  capabilities: { testConnection: true },
  create: (config, kit) => createWechatOfficialClient(config, kit),
});
