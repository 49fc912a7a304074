import { z } from 'zod';
import { secret } from '../../secret.ts';
import { smsTimeoutMs } from '../../sms/timeout.ts';

/** The dysmsapi endpoint (PROVIDERS.md §2.1); tests point `baseUrl` at a local fake. */
export const ALIYUN_BASE_URL = 'https://dysmsapi.aliyuncs.com/';

/**
 * An Alibaba Cloud SMS account (DESIGN.md "Channel providers": `accessKeyId`,
 * `accessKeySecret`, `signName`): a RAM AccessKey allowed to call dysmsapi, the approved sign
 * name templates use unless their content names another, the region of the RPC common
 * parameters, and which request signature to use (V3 `acs3` by default; `rpc` is the older
 * HMAC-SHA1 one, kept for gateways or policies that only take it).
 *
 * @example aliyunSmsConfig.parse({ accessKeyId: 'LTAI…', accessKeySecret: '…', signName: '阿里云短信测试' })
 * // { …, regionId: 'cn-hangzhou', signatureVersion: 'acs3', baseUrl: 'https://dysmsapi.aliyuncs.com/' }
 */
export const aliyunSmsConfig = z
  .object({
    accessKeyId: z.string().trim().min(1).max(128),
    accessKeySecret: secret(z.string().trim().min(1).max(256)),
    signName: z.string().trim().min(1).max(64),
    regionId: z
      .string()
      .trim()
      .regex(/^[a-z0-9-]{2,32}$/, 'a region id like cn-hangzhou')
      .default('cn-hangzhou'),
    signatureVersion: z.enum(['acs3', 'rpc']).default('acs3'),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(ALIYUN_BASE_URL),
    timeoutMs: smsTimeoutMs,
  })
  .strict();

export type AliyunSmsConfig = z.output<typeof aliyunSmsConfig>;
