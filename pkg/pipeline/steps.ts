import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { dedupContentStep } from './dedup-content.ts';
import { dedupFrequencyStep } from './dedup-frequency.ts';
import { discardStep } from './discard.ts';
import { quietHoursStep } from './quiet-hours.ts';
import { createRateLimiter, type RateLimit, type RateLimiter, rateLimitStep } from './rate-limit.ts';
import { sensitiveStep } from './sensitive.ts';
import type { Step } from './types.ts';
import { whitelistStep } from './whitelist.ts';

/**
 * The handler's filter chain in its order: discard, whitelist, sensitive words, quiet hours,
 * content dedup, frequency cap, rate limit. Cheap in-memory checks first (sensitive words before
 * the others that touch Redis: a blocked message spends no dedup marker or frequency count, and
 * content dedup sees the masked content that will be sent); the rate limit last, so only
 * deliveries that will really be sent take tokens. Pass the handler's `rateLimiter` to share it
 * (the handler also calls its `coolDown`); `fallbackRateLimit` supplies an account's own limit
 * when the live config has none for it.
 *
 * @example
 * const limiter = createRateLimiter({ redis, keys });
 * const steps = createSteps({ redis, keys, rateLimiter: limiter });
 * const verdict = await runSteps(steps, { delivery, template, rendered, now: Date.now(), config: live.current() });
 */
export function createSteps(deps: {
  redis: Redis;
  keys: Keys;
  rateLimiter?: RateLimiter;
  fallbackRateLimit?: (accountId: number) => RateLimit | undefined | Promise<RateLimit | undefined>;
  /** Accounts limited per provider call instead (batch providers; see rateLimitStep). */
  perCallRateLimit?: (accountId: number) => boolean | Promise<boolean>;
}): readonly Step[] {
  const limiter = deps.rateLimiter ?? createRateLimiter({ redis: deps.redis, keys: deps.keys });
  return Object.freeze([
    discardStep(),
    whitelistStep(),
    sensitiveStep(),
    quietHoursStep(),
    dedupContentStep({ redis: deps.redis, keys: deps.keys }),
    dedupFrequencyStep({ redis: deps.redis, keys: deps.keys }),
    rateLimitStep({
      limiter,
      ...(deps.fallbackRateLimit ? { fallback: deps.fallbackRateLimit } : {}),
      ...(deps.perCallRateLimit ? { perCall: deps.perCallRateLimit } : {}),
    }),
  ]);
}
