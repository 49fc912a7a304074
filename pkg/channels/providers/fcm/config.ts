import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { secret } from '../../secret.ts';

/** FCM's API host (PROVIDERS.md §12.2); tests point `baseUrl` at a local fake. */
export const FCM_BASE_URL = 'https://fcm.googleapis.com';

/** Google's OAuth 2.0 token endpoint, the service account's `token_uri` (§12.1). */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** The OAuth scope the access token is asked for (§12.1). */
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * Whether `pem` is an RSA private key node:crypto can read: a key pasted wrong is refused when
 * the account is saved, not at its first send. Never says anything about the key itself.
 */
function isRsaPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

/**
 * An FCM account: the Firebase project and the fields of its service-account JSON key that the
 * token exchange needs (`project_id`, `client_email`, `private_key`, `private_key_id`,
 * `token_uri`), in camelCase. A private key pasted from an environment variable often carries
 * `\n` as two characters; they are read as the newlines the PEM needs.
 *
 * @example
 * fcmConfig.parse({ projectId: 'my-app', clientEmail: 'push@my-app.iam.gserviceaccount.com',
 *   privateKey: '-----BEGIN PRIVATE KEY-----\n…' })
 * // { …, tokenUri: 'https://oauth2.googleapis.com/token', baseUrl: 'https://fcm.googleapis.com', timeoutMs: 15000 }
 */
export const fcmConfig = z
  .object({
    /** Google Cloud project id (`my-app`, or the legacy `example.com:my-app`). */
    projectId: z
      .string()
      .trim()
      .regex(/^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id such as my-app'),
    clientEmail: z.email().max(254),
    privateKey: secret(
      z
        .string()
        .trim()
        .min(1)
        .max(16_384)
        .transform((s) => s.replace(/\\n/g, '\n').trim())
        .refine(isRsaPrivateKey, { message: 'not a readable RSA private key (PEM)' }),
    ),
    /** The key's id (`private_key_id`): sent as the JWT `kid` so Google picks the key at once. */
    privateKeyId: z.string().trim().min(1).max(128).optional(),
    tokenUri: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(GOOGLE_TOKEN_URI),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(FCM_BASE_URL),
    /** How long a call waits for Google's answer; the Admin SDK waits 15 s (§12.2). */
    timeoutMs: z.int().min(200).max(60_000).default(15_000),
  })
  .strict();

export type FcmConfig = z.output<typeof fcmConfig>;
