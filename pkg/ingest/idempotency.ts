import { createHash } from 'node:crypto';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { loadLuaFile } from '../redis/lua.ts';

const takeOverScript = loadLuaFile(new URL('./scripts/idem-take-over.lua', import.meta.url), 1);
const releaseScript = loadLuaFile(new URL('./scripts/idem-release.lua', import.meta.url), 1);

/**
 * Idempotency record kept per app and key. `t` is the first attempt's time: ids derive from it.
 * `r` is when the current `running` attempt began: one older than the running TTL belongs to a
 * process that died mid-request, and is taken over like a failed one (same `t`, same ids).
 */
type IdemRecord = {
  s: 'running' | 'failed' | 'done';
  h: string;
  t: number;
  r?: number;
  status?: number;
  body?: unknown;
};

export type IdemBegin =
  | { kind: 'new'; firstAt: number }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'running' }
  | { kind: 'mismatch' };

/** sha256 of a request body's canonical JSON (key order does not matter). */
export function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Idempotency-Key handling: the first request with a key runs; an identical retry replays the
 * stored answer; a different body with the same key is refused; a retry while the first still
 * runs is told to come back. A failed first attempt leaves its start time behind, so the retry
 * regenerates the same message ids and nothing is enqueued twice.
 *
 * @example
 * const idem = createIdempotency({ redis, keys });
 * const b = await idem.begin(appId, key, bodyHash(body), Date.now());
 */
export function createIdempotency(opts: { redis: Redis; keys: Keys; ttlMs?: number; runningTtlMs?: number }) {
  const { redis, keys } = opts;
  const ttl = opts.ttlMs ?? 24 * 3600_000;
  const runningTtl = opts.runningTtlMs ?? 60_000;
  return Object.freeze({
    async begin(appId: number, key: string, hash: string, now: number): Promise<IdemBegin> {
      const k = keys.idempotency(appId, key);
      const fresh: IdemRecord = { s: 'running', h: hash, t: now, r: now };
      // Kept for the full TTL, not the running TTL: if this process dies mid-request the record
      // must outlive it, or the retry would start over with a new time and enqueue new ids.
      if (await redis.set(k, JSON.stringify(fresh), 'PX', ttl, 'NX')) return { kind: 'new', firstAt: now };
      const raw = await redis.get(k);
      if (!raw) return this.begin(appId, key, hash, now); // expired in between: try again
      const rec = JSON.parse(raw) as IdemRecord;
      if (rec.h !== hash) return { kind: 'mismatch' };
      if (rec.s === 'done') return { kind: 'replay', status: rec.status ?? 202, body: rec.body };
      if (rec.s === 'running' && now - (rec.r ?? rec.t) < runningTtl) return { kind: 'running' };
      // failed before, or running in a process that died: take it over (compare-and-set on the
      // exact old value)
      const next: IdemRecord = { ...rec, s: 'running', r: now };
      const swapped = await takeOverScript(redis, [k], [raw, JSON.stringify(next), ttl]);
      return swapped ? { kind: 'new', firstAt: rec.t } : { kind: 'running' };
    },
    async complete(appId: number, key: string, hash: string, firstAt: number, status: number, body: unknown) {
      const rec: IdemRecord = { s: 'done', h: hash, t: firstAt, status, body };
      await redis.set(keys.idempotency(appId, key), JSON.stringify(rec), 'PX', ttl);
    },
    /**
     * Forgets a key whose request was refused before anything was written (validation, unknown
     * template, backpressure): like a request that never ran, so the caller may send a corrected
     * body under the same key. Only our own `running` record is removed.
     */
    async release(appId: number, key: string, hash: string): Promise<void> {
      await releaseScript(redis, [keys.idempotency(appId, key)], [hash]);
    },
    async fail(appId: number, key: string, hash: string, firstAt: number) {
      const rec: IdemRecord = { s: 'failed', h: hash, t: firstAt };
      await redis.set(keys.idempotency(appId, key), JSON.stringify(rec), 'PX', ttl);
    },
  });
}

export type Idempotency = ReturnType<typeof createIdempotency>;
