import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  IsolatedCircuitError,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';

/**
 * A breaker's state, as events and metrics name it.
 *
 * @example const s: BreakerState = breakers.state('acct:7'); // 'closed' | 'open' | 'half_open'
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * What `run` answers instead of calling, while the breaker is open.
 *
 * @example if ('open' in out) holdBack(out.retryAfterMs);
 */
export type BreakerOpen = Readonly<{ open: true; retryAfterMs: number }>;

/**
 * Options of {@link createBreakers}.
 *
 * @example const opts: BreakerOptions = { threshold: 5, halfOpenAfterMs: 10_000 };
 */
export type BreakerOptions = Readonly<{
  /** Consecutive counted failures that open a breaker; default 5. */
  threshold?: number;
  /** How long a breaker stays open before one probe call is let through; default 10 s. */
  halfOpenAfterMs?: number;
  /** Called on every transition (for lifecycle reasons, logs and metrics). */
  onStateChange?: (key: string, state: BreakerState) => void;
  /** Breakers kept (least recently used dropped: a dropped open breaker starts closed again); default 10 000. */
  maxKeys?: number;
}>;

/**
 * Per-key circuit breakers (keys: account, or account + target host for webhooks).
 *
 * @example const breakers: Breakers = createBreakers(); breakers.openFor('acct:7') // undefined
 */
export type Breakers = Readonly<{
  /**
   * Runs `fn` through the breaker of `key`. Outcomes for which `counts` is true (retryable
   * provider failures: 5xx, timeouts, connect errors) and throws count as failures; others
   * (successes, permanent per-receiver errors) reset the count. While open, `fn` is not called.
   */
  run<O>(key: string, fn: () => Promise<O>, counts: (outcome: O) => boolean): Promise<O | BreakerOpen>;
  state(key: string): BreakerState;
  /**
   * Milliseconds until `key` lets a probe through while it is open (or its probe is under way);
   * undefined when a call may go now — including an open breaker whose wait is over (the next
   * call is the probe).
   */
  openFor(key: string): number | undefined;
  /** Every breaker still cached (recently used keys), with its state. */
  states(): Map<string, BreakerState>;
}>;

/** Carries a counted failure outcome through cockatiel (which counts throws) back to the caller. */
class CountedOutcome<O> extends Error {
  constructor(readonly outcome: O) {
    super('counted failure');
  }
}

type Entry = { policy: CircuitBreakerPolicy; openedAt: number };

const named = (s: CircuitState): BreakerState =>
  s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half_open' : 'open';

/**
 * Circuit breakers on cockatiel, one per key, created on first use and kept in an LRU so the
 * number of keys (webhook hosts are caller-chosen) stays bounded. After `threshold` consecutive
 * counted failures a breaker opens: calls answer `{ open: true, retryAfterMs }` at once, so a
 * dead provider does not tie up handler slots. After `halfOpenAfterMs` exactly one probe call
 * goes through — other calls meanwhile answer open instead of queueing behind it — and its
 * success closes the breaker, its failure opens it again.
 *
 * @example
 * const breakers = createBreakers({ onStateChange: (key, s) => log.warn({ key, s }, 'breaker') });
 * const out = await breakers.run(`acct:${id}`, () => client.send(req), (o) => !o.ok && o.retryable);
 * if ('open' in out) return delayFor(out.retryAfterMs);
 */
export function createBreakers(opts: BreakerOptions = {}): Breakers {
  const threshold = opts.threshold ?? 5;
  const halfOpenAfterMs = opts.halfOpenAfterMs ?? 10_000;
  const cache = new LRUCache<string, Entry>({ max: opts.maxKeys ?? 10_000 });

  function entry(key: string): Entry {
    const found = cache.get(key);
    if (found) return found;
    const policy = circuitBreaker(handleAll, {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(threshold),
    });
    const e: Entry = { policy, openedAt: 0 };
    // cockatiel reads Date.now() for the open period; the same clock here keeps retryAfterMs exact.
    policy.onStateChange((s) => {
      if (s === CircuitState.Open) e.openedAt = Date.now();
      opts.onStateChange?.(key, named(s));
    });
    cache.set(key, e);
    return e;
  }

  // While the probe is under way, callers look again shortly: it usually settles within a second.
  const probingMs = Math.min(1000, halfOpenAfterMs);
  const waitOf = (e: Entry): number =>
    e.policy.state === CircuitState.HalfOpen
      ? probingMs
      : Math.max(0, e.openedAt + halfOpenAfterMs - Date.now());
  const openAnswer = (e: Entry): BreakerOpen => ({ open: true, retryAfterMs: waitOf(e) });

  return Object.freeze({
    async run<O>(
      key: string,
      fn: () => Promise<O>,
      counts: (outcome: O) => boolean,
    ): Promise<O | BreakerOpen> {
      const e = entry(key);
      // cockatiel would queue callers behind the probe; we answer them "open" instead.
      if (e.policy.state === CircuitState.HalfOpen) return openAnswer(e);
      try {
        return await e.policy.execute(async () => {
          const outcome = await fn();
          if (counts(outcome)) throw new CountedOutcome(outcome);
          return outcome;
        });
      } catch (err) {
        if (err instanceof CountedOutcome) return err.outcome as O;
        if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) return openAnswer(e);
        throw err;
      }
    },
    openFor(key: string): number | undefined {
      const e = cache.peek(key);
      if (!e || e.policy.state === CircuitState.Closed) return undefined;
      const wait = waitOf(e);
      return wait > 0 ? wait : undefined;
    },
    state: (key: string): BreakerState => {
      const e = cache.peek(key);
      return e ? named(e.policy.state) : 'closed';
    },
    states: () => new Map([...cache.entries()].map(([k, e]) => [k, named(e.policy.state)])),
  });
}
