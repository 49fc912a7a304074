import type { RedisClient as Redis } from '../../redis/client.ts';
import type { Keys } from '../../redis/keys.ts';
import { signing } from './signing.ts';
import { createTokenCache } from './tokens.ts';
import type { HttpClient, Kit } from './types.ts';

export {
  type BreakerOpen,
  type BreakerOptions,
  type BreakerState,
  type Breakers,
  createBreakers,
} from './breaker.ts';
export { createHttpClient, type HttpClientOptions } from './http.ts';
export { signing } from './signing.ts';
export { checkUrl, isBlockedAddress } from './ssrf.ts';
export { createTokenCache, type TokenCacheOptions } from './tokens.ts';
export * from './types.ts';

/**
 * The kit handed to one account's provider client: the process's shared HTTP client (one
 * keep-alive pool for every account), the Redis client and keys, that account's token cache in
 * Redis, the signing helpers and the clock (a fake one in tests, used for token lifetimes too).
 *
 * @example
 * const http = createHttpClient();                       // once per process
 * const kit = createKit({ redis, keys, accountId: account.id, http });
 * const client = definition.create(config, kit, account);
 */
export function createKit(opts: {
  redis: Redis;
  keys: Keys;
  accountId: number;
  http: HttpClient;
  /** The guarded client for caller-chosen URLs (`createHttpClient({ guard: { allowPrivateNetworks: false } })`). */
  publicHttp: HttpClient;
  now?: () => number;
}): Kit {
  const now = opts.now ?? Date.now;
  return Object.freeze({
    http: opts.http,
    publicHttp: opts.publicHttp,
    redis: opts.redis,
    keys: opts.keys,
    tokens: createTokenCache({ redis: opts.redis, keys: opts.keys, accountId: opts.accountId, now }),
    signing,
    now,
  });
}
