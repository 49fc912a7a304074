import { LRUCache } from 'lru-cache';

/** An async lookup that remembers its answers for a while; `invalidate` forgets one or all. */
export type CachedLookup<K, V> = ((key: K) => Promise<V>) & { invalidate(key?: K): void };

/**
 * Read-through cache of an async lookup (lru-cache, bounded by `max`, entries expire after
 * `ttlMs`). The promise is cached, so a burst of callers for one key makes one query; an answer
 * of `undefined` (unknown row) is cached too, so a flood of unknown keys does not reach the
 * database; a failed load is not kept, so the next call tries again.
 *
 * @example
 * const account = cachedLookup((id: number) => repos.accounts.get(id), { ttlMs: 5000 });
 * await account(3); // one query; the next 5 s answer from memory
 */
export function cachedLookup<K extends {}, V>(
  load: (key: K) => Promise<V>,
  opts: { ttlMs: number; max?: number; now?: () => number },
): CachedLookup<K, V> {
  const cache = new LRUCache<K, Promise<V>>({
    max: opts.max ?? 10_000,
    ttl: opts.ttlMs,
    ...(opts.now ? { perf: { now: opts.now }, ttlResolution: 0 } : {}),
  });
  const lookup = (key: K): Promise<V> => {
    const hit = cache.get(key);
    if (hit) return hit;
    const value = load(key);
    cache.set(key, value);
    // Only this load's entry goes: a newer one set after an invalidation stays.
    value.catch(() => {
      if (cache.peek(key) === value) cache.delete(key);
    });
    return value;
  };
  return Object.assign(lookup, {
    invalidate(key?: K) {
      if (key === undefined) cache.clear();
      else cache.delete(key);
    },
  });
}
