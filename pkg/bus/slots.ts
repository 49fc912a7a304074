import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Bounded in-flight work per stream. `free(stream)` tells the read loop how many entries it may
 * take (so a backlog stays in Redis, where other consumers can get it); p-limit enforces the
 * bound on the handle calls themselves, even when a janitor claim and a read race past `free`.
 * The limit is re-read from `concurrency(stream)` on every `sync`, so config changes apply at
 * runtime; 0 (or less) pauses the stream: nothing new is read or claimed, work already taken finishes.
 *
 * @example
 * const slots = createSlots((s) => 4);
 * slots.sync('s'); slots.free('s') // 4
 * void slots.run('s', async () => work());
 */
export function createSlots(concurrency: (stream: string) => number) {
  const limiters = new Map<string, LimitFunction>();
  const limits = new Map<string, number>();
  // Entries handed to `run` and not finished, queued or running.
  const taken = new Map<string, number>();

  const limiter = (stream: string): LimitFunction => {
    let l = limiters.get(stream);
    if (!l) {
      l = pLimit(Math.max(1, limits.get(stream) ?? 1));
      limiters.set(stream, l);
    }
    return l;
  };

  return {
    /** Reads the stream's current concurrency and applies it; returns it (0 = paused). */
    sync(stream: string): number {
      const n = normalize(concurrency(stream));
      if (limits.get(stream) !== n) {
        limits.set(stream, n);
        // p-limit's setter starts queued work at once when the limit grows.
        if (n > 0) limiter(stream).concurrency = n;
      }
      return n;
    },
    /** Slots not taken at the last synced limit (0 when paused or over-full after a decrease). */
    free(stream: string): number {
      return Math.max(0, (limits.get(stream) ?? 0) - (taken.get(stream) ?? 0));
    },
    /** Entries taken and not finished. */
    taken(stream?: string): number {
      if (stream !== undefined) return taken.get(stream) ?? 0;
      let sum = 0;
      for (const n of taken.values()) sum += n;
      return sum;
    },
    /** Last synced limit of a stream. */
    limit(stream: string): number {
      return limits.get(stream) ?? 0;
    },
    /** Runs `fn` under the stream's limit; the slot counts as taken from now until `fn` settles. */
    run<T>(stream: string, fn: () => Promise<T>): Promise<T> {
      taken.set(stream, (taken.get(stream) ?? 0) + 1);
      return limiter(stream)(fn).finally(() => {
        taken.set(stream, (taken.get(stream) ?? 1) - 1);
      });
    },
  };
}

export type Slots = ReturnType<typeof createSlots>;

/** A sane limit from whatever config returned: integers ≥ 0, 1 when not a number. */
function normalize(v: number): number {
  if (typeof v !== 'number' || Number.isNaN(v)) return 1;
  if (v === Number.POSITIVE_INFINITY) return 1_000_000;
  return Math.max(0, Math.floor(v));
}
