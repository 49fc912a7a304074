import pLimit, { type LimitFunction } from 'p-limit';
import type { CallGate } from '../channels/sender.ts';
import type { Route } from '../domain/channels.ts';
import type { RateLimit, RateLimiter } from '../pipeline/rate-limit.ts';

/**
 * Options of {@link createCallGate}.
 *
 * @example { concurrency: (r) => live.current().concurrency[r] ?? 32, limitOf: (id) => limits[id], limiter }
 */
export type CallGateOptions = Readonly<{
  /** Provider calls in flight per route, read on each call (live config). */
  concurrency: (route: Route) => number;
  /** The account's rate limit in calls per second, or none. */
  limitOf: (accountId: number) => RateLimit | undefined | Promise<RateLimit | undefined>;
  limiter: RateLimiter;
  /** Waits (injected for tests); default a timer. */
  sleep?: (ms: number) => Promise<void>;
}>;

const timer = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The handler's gate of batch provider calls: for a provider that carries many receivers per
 * call, the route's concurrency and the account's rate limit count calls, not deliveries. A call
 * first takes one token from the account's bucket (shared by every handler through Redis),
 * waiting as long as the bucket says, then a slot of its route.
 *
 * @example
 * const gate = createCallGate({ concurrency: () => 32, limitOf: () => ({ rate: 10, burst: 10 }), limiter });
 * await gate(account, delivery, () => client.sendBatch(req));
 */
export function createCallGate(opts: CallGateOptions): CallGate {
  const sleep = opts.sleep ?? timer;
  const limits = new Map<Route, LimitFunction>();
  const slotOf = (route: Route): LimitFunction => {
    const want = Math.max(1, opts.concurrency(route));
    let l = limits.get(route);
    if (!l) {
      l = pLimit(want);
      limits.set(route, l);
    } else if (l.concurrency !== want) l.concurrency = want;
    return l;
  };
  return async (account, delivery, call) => {
    const limit = await opts.limitOf(account.id);
    if (limit && limit.rate > 0) {
      for (;;) {
        const r = await opts.limiter.take(account.id, limit, 1);
        if (r.ok) break;
        await sleep(r.waitMs);
      }
    }
    return slotOf(`${delivery.channel}.${delivery.messageType}` as Route)(call);
  };
}
