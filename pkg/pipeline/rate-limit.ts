import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { loadLuaFile } from '../redis/lua.ts';
import { namedStep, type Step } from './types.ts';

const bucket = loadLuaFile(new URL('./scripts/token-bucket.lua', import.meta.url));
const bookScript = loadLuaFile(new URL('./scripts/token-book.lua', import.meta.url));
const coolDownScript = loadLuaFile(new URL('./scripts/cool-down.lua', import.meta.url));

/**
 * A token-bucket limit: `rate` tokens per second, at most `burst` saved up.
 *
 * @example const smsAccount: RateLimit = { rate: 100, burst: 200 };
 */
export type RateLimit = Readonly<{ rate: number; burst: number }>;

/** Result of asking a bucket for tokens. */
export type TakeResult = { ok: true } | { ok: false; waitMs: number };

/**
 * Runs the shared token-bucket script. Exported for other buckets (per-app at ingest).
 *
 * @example await takeTokens(redis, [keys.appRate(7)], { rate: 100, burst: 100 }, 5) // { ok: true }
 */
export async function takeTokens(
  redis: Redis,
  bucketKeys: readonly [string] | readonly [string, string],
  limit: RateLimit,
  cost = 1,
): Promise<TakeResult> {
  const [granted, waitMs] = (await bucket(redis, bucketKeys, [
    limit.rate,
    Math.max(1, limit.burst),
    Math.max(1, Math.ceil(cost)),
  ])) as [number, number];
  return granted === 1 ? { ok: true } : { ok: false, waitMs: Math.max(1, waitMs) };
}

export type RateLimiter = Readonly<{
  /** Takes `cost` tokens (default 1) from the account's bucket, shared by every process. */
  take(accountId: number, limit: RateLimit, cost?: number): Promise<TakeResult>;
  /**
   * Takes a token for `holder` (a message id), or books the next free one for it: refused, the
   * holder is told when its token will be there and, asking again then, goes ahead without
   * taking another. A parked delivery thus keeps its place in line (see token-book.lua).
   */
  book(accountId: number, limit: RateLimit, holder: string): Promise<TakeResult>;
  /**
   * Scales the account's rate and burst by `factor` (0 < factor < 1) for `ms`, after a
   * provider answered "rate limited"; drops the tokens on hand.
   */
  coolDown(accountId: number, factor: number, ms: number): Promise<void>;
}>;

/**
 * Per channel-account rate limiter over Redis (Lua, Redis clock), shared by all handlers.
 *
 * @example
 * const limiter = createRateLimiter({ redis, keys });
 * const r = await limiter.take(3, { rate: 50, burst: 50 });  // { ok: true } or { ok: false, waitMs }
 * if (outcome.rateLimited) await limiter.coolDown(3, 0.5, 30_000);
 */
export function createRateLimiter(deps: { redis: Redis; keys: Keys }): RateLimiter {
  const { redis, keys } = deps;
  return Object.freeze({
    take: (accountId: number, limit: RateLimit, cost = 1) =>
      takeTokens(redis, [keys.accountRate(accountId), keys.accountCooldown(accountId)], limit, cost),
    async book(accountId: number, limit: RateLimit, holder: string) {
      const rate = limit.rate;
      const [granted, waitMs] = (await bookScript(
        redis,
        [keys.accountRate(accountId), keys.accountCooldown(accountId), keys.accountBookings(accountId)],
        [
          rate,
          Math.max(1, limit.burst),
          holder,
          // How late a booked holder may still go: the burst's worth of time (as many late ones
          // as the bucket could have saved up), but at least 250 ms, since parked deliveries
          // come back on the delayed mover's 100 ms ticks. Later, the booking lapses and the
          // holder queues anew, so a crowd held up by a stall cannot go all at once.
          Math.max(250, Math.ceil((1000 * limit.burst) / rate)),
          // Half a token's interval early (at most 25 ms) is close enough to go.
          Math.min(25, Math.floor(500 / rate)),
        ],
      )) as [number, number];
      return granted === 1 ? { ok: true } : { ok: false, waitMs: Math.max(1, waitMs) };
    },
    async coolDown(accountId: number, factor: number, ms: number) {
      if (!(factor > 0 && factor < 1) || !(ms > 0)) {
        throw new RangeError(`coolDown: factor must be in (0, 1) and ms > 0 (got ${factor}, ${ms})`);
      }
      await coolDownScript(
        redis,
        [keys.accountRate(accountId), keys.accountCooldown(accountId)],
        [factor, Math.ceil(ms)],
      );
    },
  });
}

/**
 * Rate limit (last step, so only deliveries that will really be sent take tokens): the limit of
 * the template's channel account comes from `config.rateLimits[accountId]`, else from
 * `fallback` (e.g. the account record's own rate), else none. Without a token the delivery is
 * parked (`throttled`) until the token booked for it (by message id) is there. Accounts whose
 * provider sends in batches (`perCall`) and routed templates (no account of their own) are
 * limited per provider call at send time instead (the handler's call gate), not here.
 *
 * @example const step = rateLimitStep({ limiter });
 * await step(input) // pass, or { kind: 'delay', state: 'throttled', until: now + waitMs, reason }
 */
export function rateLimitStep(deps: {
  limiter: RateLimiter;
  fallback?: (accountId: number) => RateLimit | undefined | Promise<RateLimit | undefined>;
  perCall?: (accountId: number) => boolean | Promise<boolean>;
}): Step {
  return namedStep('rateLimit', async ({ delivery, template, now, config }) => {
    const accountId = template.accountId;
    if (accountId === null || (await deps.perCall?.(accountId))) return { kind: 'pass' };
    const limit = config.rateLimits[String(accountId)] ?? (await deps.fallback?.(accountId));
    if (!limit || !(limit.rate > 0)) return { kind: 'pass' };
    // Booked by message id: a throttled delivery coming back at its time finds its token kept.
    const r = await deps.limiter.book(accountId, limit, delivery.id);
    if (r.ok) return { kind: 'pass' };
    return {
      kind: 'delay',
      state: 'throttled',
      until: now + r.waitMs,
      reason: `account ${accountId} limited to ${limit.rate}/s`,
    };
  });
}
