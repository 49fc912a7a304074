import type { Template } from '../domain/template.ts';

/**
 * A read-through cache of active templates for the hot paths (ingest, handler). Entries live
 * `ttlMs` at most; `invalidate(id)` is called when a `template changed` message arrives, so an
 * edit or a delete reaches every process at once, and the TTL bounds staleness if a message is
 * lost.
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
}) {
  const ttl = opts.ttlMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? 10_000;
  const entries = new Map<number, { value: Promise<Template | undefined>; at: number }>();
  return Object.freeze({
    get(id: number): Promise<Template | undefined> {
      const hit = entries.get(id);
      if (hit && now() - hit.at < ttl) return hit.value;
      if (entries.size >= max) entries.delete(entries.keys().next().value as number);
      // Cache the promise so a burst of deliveries for one template makes one query.
      const value = opts.load(id).catch((err) => {
        entries.delete(id);
        throw err;
      });
      entries.set(id, { value, at: now() });
      return value;
    },
    invalidate(id?: number) {
      if (id === undefined) entries.clear();
      else entries.delete(id);
    },
  });
}

export type TemplateCache = ReturnType<typeof createTemplateCache>;
