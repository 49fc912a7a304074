import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { takeTokens } from './rate-limit.ts';

/**
 * Per-app send limit at ingest: a token bucket of `ratePerSec` deliveries per second (burst:
 * one second's worth), shared by every ingest instance. A request of `count` deliveries takes
 * `count` tokens; a request bigger than the burst is let through when the bucket is full and
 * the debt is waited out by later requests, so large fan-outs are never refused forever.
 *
 * @example
 * const r = await takeAppTokens(redis, keys, caller.appId, 12, caller.rateLimit);
 * if (!r.ok) throw new AppError('RATE_LIMITED', 429, 'too many sends', undefined, r.retryAfterMs / 1000);
 */
export async function takeAppTokens(
  redis: Redis,
  keys: Keys,
  appId: number,
  count: number,
  ratePerSec: number,
): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
  if (!(ratePerSec > 0) || count <= 0) return { ok: true };
  const r = await takeTokens(
    redis,
    [keys.appRate(appId)],
    { rate: ratePerSec, burst: Math.max(1, ratePerSec) },
    count,
  );
  return r.ok ? r : { ok: false, retryAfterMs: r.waitMs };
}
