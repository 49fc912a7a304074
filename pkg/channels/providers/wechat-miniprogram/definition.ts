import type { ProviderDefinition } from '../../definition.ts';
import { WECHAT_BASE_URL, type WechatConfig, wechatConfig } from '../wechat-api/config.ts';
import { createWechatMiniprogramClient } from './client.ts';
import { type WechatMiniprogramContent, wechatMiniprogramContent } from './content.ts';
import { WECHAT_MINIPROGRAM_ERRORS } from './errors.ts';

export { WECHAT_BASE_URL, type WechatConfig, wechatConfig };

/**
 * WeChat mini program subscribe messages (小程序订阅消息): one call per receiver, an openid of
 * the mini program that subscribed to the template (a one-time grant allows one message; `43101`
 * when none is left). The stable access token is shared through the kit's token cache by every
 * handler process; no recall.
 *
 * @example
 * // account: { "channel": "wechat_miniprogram", "provider": "wechat",
 * //   "config": { "appId": "wx1234567890abcdef", "appSecret": "…" } }
 * // template content: { "templateId": "vZiztnFZqPu…", "data": { "thing4": "{$item}", "phrase2": "已发货" },
 * //   "page": "pages/order/index?id={$order}" }
 */
export const wechatMiniprogram = Object.freeze<ProviderDefinition<WechatConfig, WechatMiniprogramContent>>({
  channel: 'wechat_miniprogram',
  provider: 'wechat',
  title: 'WeChat mini program subscribe message (微信小程序订阅消息)',
  config: wechatConfig,
  content: wechatMiniprogramContent,
  receivers: ['open_id'],
  errors: WECHAT_MINIPROGRAM_ERRORS,
  capabilities: { testConnection: true },
  create: (config, kit) => createWechatMiniprogramClient(config, kit),
});
