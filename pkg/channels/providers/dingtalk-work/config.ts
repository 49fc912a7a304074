import { z } from 'zod';
import { secret } from '../../secret.ts';

/** DingTalk's legacy server API host (PROVIDERS.md §5); tests point `baseUrl` at a local fake. */
export const DINGTALK_BASE_URL = 'https://oapi.dingtalk.com';

/**
 * A DingTalk work-notice account: an internal app's AppKey and AppSecret (they fetch the access
 * token, §5.1) and the app's AgentId (every send, result query and recall names it, §5.2–5.4).
 * The agent id may come from a form as a string of digits; ids are longs at DingTalk, so any
 * safe integer is taken. `timeoutMs` bounds each call (a send that times out is in doubt).
 *
 * @example dingtalkWorkConfig.parse({ appKey: 'dingxxxx', appSecret: '…', agentId: '836390886' })
 * // { appKey: 'dingxxxx', appSecret: '…', agentId: 836390886, baseUrl: 'https://oapi.dingtalk.com', timeoutMs: 10000 }
 */
export const dingtalkWorkConfig = z
  .object({
    appKey: z.string().trim().min(1).max(128),
    appSecret: secret(z.string().trim().min(1).max(256)),
    agentId: z
      .union([z.number(), z.string().trim().regex(/^\d+$/, 'digits only')])
      .transform(Number)
      .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(DINGTALK_BASE_URL),
    timeoutMs: z.int().min(200).max(30_000).default(10_000),
  })
  .strict();

export type DingtalkWorkConfig = z.output<typeof dingtalkWorkConfig>;
