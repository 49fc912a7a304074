import { z } from 'zod';
import { secret } from '../../secret.ts';
import { keyProblem, parsePrivateKey, parsePublicKey, spkiBase64 } from './keys.ts';

/** Alipay's OpenAPI v2 gateway (PROVIDERS.md §10b.3); tests point `baseUrl` at a local fake. */
export const ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';

/** How long a call waits for Alipay's answer: 10 s by default (a send that times out is in doubt). */
const timeoutMs = z.int().min(200).max(30_000).default(10_000);

/** A key as pasted: PEM or bare Base64, at most a 4096-bit key's PEM with some slack. */
const keyText = z.string().trim().min(1).max(8192);

/**
 * An Alipay mini program account (public-key mode, PROVIDERS.md §10b.3–10b.6): the app id, the
 * app's RSA private key that signs requests (PEM, or the bare Base64 PKCS#8/PKCS#1 the Alipay key
 * tool gives), and the Alipay public key (支付宝公钥, not the app's own) that verifies answers.
 * Keys are checked when the account is saved; pasting the app's public key where Alipay's
 * belongs is refused, since every answer would then fail its signature check.
 *
 * @example alipayMiniprogramConfig.parse({ appId: '2021000122671080', privateKey: 'MIIEvQ…', alipayPublicKey: 'MIIBIj…' })
 * // { …, baseUrl: 'https://openapi.alipay.com/gateway.do', timeoutMs: 10000 }
 */
export const alipayMiniprogramConfig = z
  .object({
    appId: z
      .string()
      .trim()
      .regex(/^\d{1,32}$/, 'an Alipay app id: digits (16 as Alipay issues them)'),
    privateKey: secret(
      keyText.superRefine((v, ctx) => {
        const problem = keyProblem(parsePrivateKey, v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ),
    alipayPublicKey: keyText.superRefine((v, ctx) => {
      const problem = keyProblem((t) => parsePublicKey(t), v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(ALIPAY_GATEWAY),
    timeoutMs,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (
      keyProblem(parsePrivateKey, c.privateKey) ||
      keyProblem((t) => parsePublicKey(t), c.alipayPublicKey)
    ) {
      return;
    }
    if (spkiBase64(parsePrivateKey(c.privateKey)) === spkiBase64(parsePublicKey(c.alipayPublicKey))) {
      ctx.addIssue({
        code: 'custom',
        path: ['alipayPublicKey'],
        message: "this is the app's own public key; paste the Alipay public key (支付宝公钥) instead",
      });
    }
  });

export type AlipayMiniprogramConfig = z.output<typeof alipayMiniprogramConfig>;
