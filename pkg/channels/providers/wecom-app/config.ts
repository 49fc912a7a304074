import { z } from 'zod';
import { secret } from '../../secret.ts';

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
