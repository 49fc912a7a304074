import type { ProviderDefinition } from '../../definition.ts';
import { createAlipayMiniprogramClient } from './client.ts';
import { ALIPAY_GATEWAY, type AlipayMiniprogramConfig, alipayMiniprogramConfig } from './config.ts';
import { type AlipayMiniprogramContent, alipayMiniprogramContent } from './content.ts';
import { ALIPAY_MINIPROGRAM_ERRORS } from './errors.ts';

export { ALIPAY_GATEWAY, type AlipayMiniprogramConfig, alipayMiniprogramConfig };

/**
 * Alipay mini program subscription messages (支付宝小程序订阅消息): after a user subscribed with
 * `my.requestSubscribeMessage`, the server sends a template message with
 * `alipay.open.app.mini.templatemessage.send` through the OpenAPI v2 gateway, one user per call,
 * requests signed RSA2 with the app key and answers verified with the Alipay public key. No batch
 * (the batch API sends to a template's whole audience), no receipts, no recall.
 *
 * @example
 * // account: { "channel": "alipay_miniprogram", "provider": "alipay",
 * //   "config": { "appId": "2021000122671080", "privateKey": "MIIEvQ…", "alipayPublicKey": "MIIBIj…" } }
 * // template content: { "userTemplateId": "MDI4…", "page": "pages/order/index?id={$order}",
 * //   "data": { "keyword1": "{$order}", "keyword2": "已发货" } }
 */
export const alipayMiniprogram = Object.freeze<
  ProviderDefinition<AlipayMiniprogramConfig, AlipayMiniprogramContent>
>({
  channel: 'alipay_miniprogram',
  provider: 'alipay',
  title: 'Alipay mini program subscription message (支付宝小程序订阅消息)',
  config: alipayMiniprogramConfig,
  content: alipayMiniprogramContent,
  receivers: ['alipay_user'],
  errors: ALIPAY_MINIPROGRAM_ERRORS,
  capabilities: { testConnection: true },
  create: (config, kit) => createAlipayMiniprogramClient(config, kit),
});
