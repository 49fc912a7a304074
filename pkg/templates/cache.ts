import { cachedLookup } from '../cache/cached-lookup.ts';
import type { Template } from '../domain/template.ts';

/**
 * A read-through cache of active templates for the hot paths (ingest, handler). Entries live
 * `ttlMs` at most; `invalidate(id)` is called when a `template changed` message arrives, so an
 * edit or a delete reaches every process at once, and the TTL bounds staleness if a message is
 * lost. While the database is unreachable an expired entry keeps being served (stale-if-error,
 * pkg/cache, up to `maxStaleMs`), so sends with a cached template go on through an outage.
 *
 * @example
 * const cache = createTemplateCache({ load: (id) => repos.templates.getActive(id), ttlMs: 30_000 });
 * const t = await cache.get(12);
 */
export function createTemplateCache(opts: {
  load: (id: number) => Promise<Template | undefined>;
  ttlMs?: number;
  now?: () => number;
  maxEntries?: number;
  maxStaleMs?: number;
}) {
  const lookup = cachedLookup(opts.load, {
    ttlMs: opts.ttlMs ?? 30_000,
    max: opts.maxEntries ?? 10_000,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.maxStaleMs !== undefined ? { maxStaleMs: opts.maxStaleMs } : {}),
  });
  return Object.freeze({
    get: (id: number): Promise<Template | undefined> => lookup(id),
    invalidate: (id?: number) => lookup.invalidate(id),
  });
}

export type TemplateCache = ReturnType<typeof createTemplateCache>;
