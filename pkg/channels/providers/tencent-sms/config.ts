import { z } from 'zod';
import { secret } from '../../secret.ts';
import { smsTimeoutMs } from '../../sms/timeout.ts';

/** Tencent Cloud's API host for SMS (PROVIDERS.md §1.1); tests point `baseUrl` at a local fake. */
export const TENCENT_SMS_BASE_URL = 'https://sms.tencentcloudapi.com';

/** The region every account gets unless it names one (`X-TC-Region`). */
export const TENCENT_SMS_DEFAULT_REGION = 'ap-guangzhou';

/**
 * A Tencent Cloud SMS account (DESIGN.md "Channel providers"): the API key pair, the SMS
 * application (`SmsSdkAppId`, e.g. `1400006666`, may come from a form as a number) and the
 * approved signature (签名) sent with mainland messages.
 *
 * @example
 * tencentSmsConfig.parse({ secretId: 'AKID…', secretKey: '…', sdkAppId: '1400006666', signName: '腾讯云' })
 * // { …, region: 'ap-guangzhou', baseUrl: 'https://sms.tencentcloudapi.com' }
 */
export const tencentSmsConfig = z
  .object({
    secretId: z.string().trim().min(1).max(128),
    secretKey: secret(z.string().trim().min(1).max(128)),
    sdkAppId: z
      .union([
        z.number().int().positive(),
        z
          .string()
          .trim()
          .regex(/^\d{1,20}$/, 'digits only'),
      ])
      .transform(String),
    signName: z.string().trim().min(1).max(64),
    region: z
      .string()
      .trim()
      .regex(/^[a-z]{2,}(-[a-z]+)+(-\d+)?$/, 'a region such as ap-guangzhou')
      .default(TENCENT_SMS_DEFAULT_REGION),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(TENCENT_SMS_BASE_URL),
    timeoutMs: smsTimeoutMs,
  })
  .strict();

export type TencentSmsConfig = z.output<typeof tencentSmsConfig>;
