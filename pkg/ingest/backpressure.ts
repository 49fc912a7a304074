import type { Route } from '../domain/channels.ts';
import { AppError } from '../domain/errors.ts';

/**
 * Refuses sends to a route whose consumer-group lag (entries not yet read by handlers, plus
 * pending ones) is above the high-water mark, instead of growing Redis without bound. Lag is
 * sampled at most every `sampleMs` per route so the check costs nothing per request.
 *
 * @example
 * const bp = createBackpressure({ lagOf: (route) => groupLag(redis, keys.stream(route), 'handlers'), highWater: 500_000 });
 * await bp.check('email.notice'); // throws 503 BACKPRESSURE when over
 */
export function createBackpressure(opts: {
  lagOf: (route: Route) => Promise<number>;
  highWater: number;
  sampleMs?: number;
  now?: () => number;
}) {
  const sampleMs = opts.sampleMs ?? 500;
  const now = opts.now ?? Date.now;
  const samples = new Map<Route, { lag: Promise<number>; at: number }>();
  const lag = (route: Route): Promise<number> => {
    const s = samples.get(route);
    if (s && now() - s.at < sampleMs) return s.lag;
    const fresh = opts.lagOf(route).catch(() => 0);
    samples.set(route, { lag: fresh, at: now() });
    return fresh;
  };
  return Object.freeze({
    lag,
    async check(route: Route): Promise<void> {
      const l = await lag(route);
      if (l > opts.highWater) {
        throw new AppError(
          'BACKPRESSURE',
          503,
          `route ${route} has ${l} deliveries waiting (limit ${opts.highWater}); retry later`,
          { route, lag: l },
          2,
        );
      }
    },
  });
}

export type Backpressure = ReturnType<typeof createBackpressure>;
