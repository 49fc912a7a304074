import { createHash, createHmac } from 'node:crypto';

/**
 * How an app key is stored: both forms a row may hold. `keyed` is HMAC-SHA256 under a key derived
 * from the server secret (what new and rotated keys are stored as: a leaked table does not let
 * anyone test guesses without the secret); `legacy` is the bare sha256 hex older databases
 * hold, looked up only when `keyed` finds nothing, and then rewritten to `keyed`.
 */
export type ApiKeyHashes = Readonly<{ keyed: string; legacy: string }>;

/** Label of the derived key, so the hashing key is never the sealing key itself. */
const LABEL = 'pushline/app-key-hash/v1';

/**
 * The hashing of app keys under `secretKey` (config `SECRET_KEY`). The HMAC key is
 * HMAC-SHA256(secretKey, label), not the secret itself, which also seals credentials.
 *
 * @example
 * const hashKey = apiKeyHasher(config.secretKey);
 * hashKey('pk_live_abc') // { keyed: '9b0e…', legacy: '3f1c…' } (64 hex characters each)
 */
export function apiKeyHasher(secretKey: Uint8Array): (apiKey: string) => ApiKeyHashes {
  if (secretKey.length < 16) throw new Error('apiKeyHasher needs the 32-byte server secret');
  const derived = createHmac('sha256', secretKey).update(LABEL).digest();
  return (apiKey) =>
    Object.freeze({
      keyed: createHmac('sha256', derived).update(apiKey).digest('hex'),
      legacy: legacyApiKeyHash(apiKey),
    });
}

/**
 * The bare sha256 hex keys were stored as before keyed hashing: only to find (and migrate) old rows.
 *
 * @example legacyApiKeyHash('pk_live_abc') // '3f1c…' (64 hex characters)
 */
export const legacyApiKeyHash = (apiKey: string): string => createHash('sha256').update(apiKey).digest('hex');
