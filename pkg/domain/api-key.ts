import { createHash } from 'node:crypto';

/**
 * sha256 hex of an API key: what the apps table stores and what authentication looks up, so
 * the key itself is never kept. In the domain (not pkg/api) because the store computes it too.
 *
 * @example hashApiKey('pk_live_abc') // '3f1c…' (64 hex characters)
 */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');
