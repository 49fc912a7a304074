import { z } from 'zod';
import { secret } from '../../secret.ts';
import { extraHeaders } from './headers.ts';

/** `whsec_` + base64 of the key (padding optional, as the reference libraries accept). */
const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** Key length of a Standard Webhooks secret (spec: 24–64 random bytes). */
const keyBytes = (s: string): number => Buffer.from(s.slice('whsec_'.length), 'base64').length;

/**
 * A webhook account. The receiver URL is the target, so there is no `baseUrl`. Extra header
 * values are marked secret too: they usually carry the receiver's own credentials
 * (`authorization`), so they are masked in API answers and redacted in logs like the secret.
 *
 * @example webhookConfig.parse({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
 * // { secret: 'whsec_…', allowPrivateNetworks: false, timeoutMs: 10000 }
 */
export const webhookConfig = z
  .object({
    secret: secret(
      z
        .string()
        .regex(WHSEC, 'expected whsec_ followed by the base64 key')
        .refine((s) => keyBytes(s) >= 24 && keyBytes(s) <= 64, 'the key must be 24 to 64 bytes'),
    ),
    /** Lets receivers on loopback, private and link-local addresses through (on-premise targets). */
    allowPrivateNetworks: z.boolean().default(false),
    timeoutMs: z.number().int().min(1000).max(30_000).default(10_000),
    /** Static headers sent with every call of this account (content headers override them). */
    headers: extraHeaders(secret(z.string())).optional(),
  })
  .strict();

export type WebhookConfig = z.infer<typeof webhookConfig>;

/**
 * A webhook template: the JSON body to post (placeholders allowed in its string values) and
 * optional headers of its own.
 *
 * @example webhookContent.parse({ body: { event: 'order.paid', order: '{$orderId}' } })
 */
export const webhookContent = z
  .object({
    body: z.json(),
    headers: extraHeaders(z.string()).optional(),
  })
  .strict();

export type WebhookContent = z.infer<typeof webhookContent>;
