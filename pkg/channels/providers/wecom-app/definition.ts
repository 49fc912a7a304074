import { z } from 'zod';
import type { ProviderDefinition } from '../../definition.ts';
import { secret } from '../../secret.ts';
import { createWecomAppClient, WECOM_MAX_TOUSER } from './client.ts';
import { type WecomAppContent, wecomAppContent } from './content.ts';
import { WECOM_APP_ERRORS } from './errors.ts';

/** WeCom's API host; tests point `baseUrl` at a local fake. */
export const WECOM_BASE_URL = 'https://qyapi.weixin.qq.com';

/**
 * A WeCom app account: the corp, the app's secret and its agent id (PROVIDERS.md §7.1). The
 * agent id may come from a form as a string of digits.
 */
export const wecomAppConfig = z
  .object({
    corpId: z.string().trim().min(1).max(64),
    corpSecret: secret(z.string().trim().min(1).max(256)),
    agentId: z
      .union([z.number(), z.string().trim().regex(/^\d+$/, 'digits only')])
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .positive()
          .max(2 ** 31 - 1),
      ),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(WECOM_BASE_URL),
  })
  .strict();

export type WecomAppConfig = z.output<typeof wecomAppConfig>;

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
