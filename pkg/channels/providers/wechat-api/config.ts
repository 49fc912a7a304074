import { z } from 'zod';
import { secret } from '../../secret.ts';

/** WeChat's API host (PROVIDERS.md §9.1); tests point `baseUrl` at a local fake. */
export const WECHAT_BASE_URL = 'https://api.weixin.qq.com';

/**
 * An account of a WeChat official account or mini program (PROVIDERS.md §9, §10): its AppID and
 * AppSecret, which are all `stable_token` needs. AppIDs are `wx` and 16 hex digits; the check
 * catches an AppSecret pasted into the AppID field before it reaches WeChat (and its logs).
 * `timeoutMs` bounds every call (a send that times out is in doubt: retried on this account).
 *
 * @example
 * wechatConfig.parse({ appId: 'wx1234567890abcdef', appSecret: '…' })
 * // { appId: 'wx1234567890abcdef', appSecret: '…', baseUrl: 'https://api.weixin.qq.com', timeoutMs: 10000 }
 */
export const wechatConfig = z
  .object({
    appId: z
      .string()
      .trim()
      .regex(/^wx[0-9a-f]{16}$/i, 'an AppID such as wx1234567890abcdef'),
    appSecret: secret(z.string().trim().min(1).max(128)),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(WECHAT_BASE_URL),
    timeoutMs: z.int().min(200).max(30_000).default(10_000),
  })
  .strict();

export type WechatConfig = z.output<typeof wechatConfig>;
