import { LRUCache } from 'lru-cache';

/** An async lookup that remembers its answers for a while; `invalidate` forgets one or all. */
export type CachedLookup<K, V> = ((key: K) => Promise<V>) & { invalidate(key?: K): void };

/**
 * How long past its load a cached answer may still be served when refreshing it fails (the
 * database is down): long enough to ride out a database restart or failover, short enough that
 * a platform cut off from its database for good stops acting on old settings.
 */
export const DEFAULT_MAX_STALE_MS = 15 * 60_000;

/** After a failed refresh, the stale answer is served this long before the next try (at most the TTL). */
const RETRY_REFRESH_MS = 1000;

type Slot<V> = { value: V; loadedAt: number; freshUntil: number };

/**
 * Read-through cache of an async lookup (lru-cache, bounded by `max`; an answer is fresh for
 * `ttlMs`). Concurrent callers for one key share one load; an answer of `undefined` (unknown
 * row) is cached too, so a flood of unknown keys does not reach the database.
 *
 * Stale-if-error, the one rule every cache of the platform follows: when the refresh of an
 * expired answer fails, the last answer is served instead, for up to `maxStaleMs` after it was
 * loaded, and the next refresh is tried a second later (not by every caller at once). A failed
 * load with nothing to fall back on rejects and is not kept, so the next call tries again.
 * `invalidate` (the row changed) drops the answer entirely: it is never served stale.
 *
 * @example
 * const account = cachedLookup((id: number) => repos.accounts.get(id), { ttlMs: 5000 });
 * await account(3); // one query; the next 5 s answer from memory, and during an outage longer
 */
export function cachedLookup<K extends {}, V>(
  load: (key: K) => Promise<V>,
  opts: { ttlMs: number; max?: number; now?: () => number; maxStaleMs?: number },
): CachedLookup<K, V> {
  const now = opts.now ?? Date.now;
  const maxStaleMs = opts.maxStaleMs ?? DEFAULT_MAX_STALE_MS;
  const slots = new LRUCache<K, Slot<V>>({ max: opts.max ?? 10_000 });
  const loading = new Map<K, Promise<V>>();

  const refresh = (key: K): Promise<V> => {
    const p: Promise<V> = load(key).then(
      (value) => {
        // A load overtaken by an invalidation must not put its (possibly old) answer back.
        if (loading.get(key) === p) {
          const t = now();
          slots.set(key, { value, loadedAt: t, freshUntil: t + opts.ttlMs });
        }
        return value;
      },
      (err: unknown) => {
        const last = loading.get(key) === p ? slots.peek(key) : undefined;
        const t = now();
        if (!last || t - last.loadedAt > maxStaleMs) throw err;
        last.freshUntil = t + Math.min(RETRY_REFRESH_MS, opts.ttlMs);
        return last.value;
      },
    );
    const settled = () => {
      if (loading.get(key) === p) loading.delete(key);
    };
    p.then(settled, settled);
    loading.set(key, p);
    return p;
  };

  const lookup = (key: K): Promise<V> => {
    const slot = slots.get(key);
    if (slot && now() < slot.freshUntil) return Promise.resolve(slot.value);
    return loading.get(key) ?? refresh(key);
  };
  return Object.assign(lookup, {
    invalidate(key?: K) {
      if (key === undefined) {
        slots.clear();
        loading.clear();
      } else {
        slots.delete(key);
        loading.delete(key);
      }
    },
  });
}
