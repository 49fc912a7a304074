import { z } from 'zod';
import { secret } from '../../secret.ts';

/** Feishu's open API host (PROVIDERS.md §8.1); Lark accounts set `https://open.larksuite.com`. */
export const FEISHU_BASE_URL = 'https://open.feishu.cn';

/** The custom-bot webhook path under the host; the hook id follows it. */
export const HOOK_PATH = '/open-apis/bot/v2/hook/';

/**
 * A Feishu/Lark custom bot account (DESIGN.md "Channel providers"): the id at the end of the
 * bot's webhook URL (`…/open-apis/bot/v2/hook/<hookId>`, itself a credential: whoever has it can
 * post to the group) and, when the bot's security setting is signature verification (签名校验),
 * its signing secret. The webhook is built from the id on the real host unless `baseUrl` names
 * another (Lark, or a test fake). Keyword and IP allowlist settings need nothing here: Feishu
 * checks those itself.
 *
 * @example
 * feishuRobotConfig.parse({ hookId: '2f1e…-…', secret: 'mR4d…' })
 * // { hookId: '2f1e…', secret: 'mR4d…', baseUrl: 'https://open.feishu.cn', timeoutMs: 10000 }
 */
export const feishuRobotConfig = z
  .object({
    hookId: secret(
      z
        .string()
        .trim()
        .regex(
          /^[A-Za-z0-9_-]{1,128}$/,
          'the id at the end of the webhook URL (after /open-apis/bot/v2/hook/, not the URL)',
        ),
    ),
    secret: secret(z.string().trim().min(1).max(256)).optional(),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(FEISHU_BASE_URL),
    /** How long a send waits for Feishu's answer; one that times out is in doubt. */
    timeoutMs: z.int().min(200).max(30_000).default(10_000),
  })
  .strict();

export type FeishuRobotConfig = z.output<typeof feishuRobotConfig>;

/**
 * The webhook URL of an account.
 *
 * @example hookUrl(feishuRobotConfig.parse({ hookId: 'abc' })) // 'https://open.feishu.cn/open-apis/bot/v2/hook/abc'
 */
export const hookUrl = (config: FeishuRobotConfig): string =>
  `${config.baseUrl.replace(/\/+$/, '')}${HOOK_PATH}${encodeURIComponent(config.hookId)}`;
