import { createHttpClient } from '../channels/kit/http.ts';
import { createKit } from '../channels/kit/index.ts';
import type { Kit } from '../channels/kit/types.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/**
 * A provider kit for tests, built the way processes build it (the real `createKit` over a real
 * HTTP client and the test's Redis), so provider tests exercise the same timeouts, caps and token
 * sharing as production. Only the clock and the account id are the test's to pick. The caller
 * owns the Redis connection; `kit.http.close()` releases the HTTP client when a test used it.
 *
 * @example
 * const r = await testRedis();
 * const kit = testKit({ redis: r.redis, keys: r.keys, now: () => 1234 });
 * const client = createSandboxClient(sandboxConfig.parse({}), kit);
 * // … await kit.http.close(); await r.cleanup();
 */
export function testKit(opts: { redis: Redis; keys: Keys; now?: () => number; accountId?: number }): Kit {
  return createKit({
    redis: opts.redis,
    keys: opts.keys,
    accountId: opts.accountId ?? 1,
    http: createHttpClient({}),
    publicHttp: createHttpClient({ guard: { allowPrivateNetworks: false } }),
    ...(opts.now ? { now: opts.now } : {}),
  });
}
