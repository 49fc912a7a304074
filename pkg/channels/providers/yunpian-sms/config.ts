import { z } from 'zod';
import { secret } from '../../secret.ts';
import { smsTimeoutMs } from '../../sms/timeout.ts';

/** Yunpian's API host; tests point `baseUrl` at a local fake. */
export const YUNPIAN_BASE_URL = 'https://sms.yunpian.com';

/**
 * A Yunpian account (PROVIDERS.md §3.2): the apikey (sent as a form field on every call), and
 * the approved signature to put in front of texts that do not start with one (`【…】`), written
 * without the brackets.
 *
 * @example yunpianConfig.parse({ apiKey: '9b11127a9701975c734b8aee81ee3526', signName: '云片网' })
 */
export const yunpianConfig = z
  .object({
    apiKey: secret(z.string().trim().min(1).max(128)),
    signName: z
      .string()
      .trim()
      .min(1)
      .max(32)
      .regex(/^[^【】]+$/, 'the signature without 【】')
      .optional(),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(YUNPIAN_BASE_URL),
    timeoutMs: smsTimeoutMs,
  })
  .strict();

export type YunpianConfig = z.output<typeof yunpianConfig>;
