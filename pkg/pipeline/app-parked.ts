import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { loadLuaFile } from '../redis/lua.ts';

const script = loadLuaFile(new URL('./scripts/park-quota.lua', import.meta.url));

/** Default quota of parked (`sendAt`) work per app: 1 GiB of delayed-set members. */
export const DEFAULT_APP_PARKED_MAX_BYTES = 1024 ** 3;

/**
 * Reserves `bytes` of an app's parked-work quota for one request held until `dueAt`: what its
 * deliveries will occupy in the delayed sets until they are due. Reservations are released when
 * due (the deliveries then move to their stream); a request whose parking failed after the
 * reservation keeps its bytes reserved until its due time (over-counted, never under). The same
 * request reserved twice (an idempotent retry) counts once. `retryAfterMs` is when the earliest
 * reservation comes due, or undefined when that is beyond the request's own horizon.
 *
 * @example
 * const r = await reserveParked(redis, keys, { appId: 1, requestId, bytes: 41_000, dueAt, now: Date.now(), maxBytes });
 * if (!r.ok) throw new AppError('PARKED_QUOTA_EXCEEDED', 429, '…');
 */
export async function reserveParked(
  redis: Redis,
  keys: Keys,
  o: { appId: number; requestId: string; bytes: number; dueAt: number; now: number; maxBytes: number },
): Promise<{ ok: boolean; parkedBytes: number; retryAfterMs?: number }> {
  const [ok, total] = (await script(
    redis,
    [keys.appParked(o.appId), keys.appParkedBytes(o.appId)],
    [o.now, o.maxBytes, Math.floor(o.dueAt), `${o.requestId}:${o.bytes}`, o.bytes],
  )) as [number, number];
  if (Number(ok) === 1) return { ok: true, parkedBytes: Number(total) };
  const first = await redis.zrange(keys.appParked(o.appId), 0, 0, 'WITHSCORES');
  const at = Number(first[1]);
  return {
    ok: false,
    parkedBytes: Number(total),
    ...(Number.isFinite(at) ? { retryAfterMs: Math.max(1000, at - o.now) } : {}),
  };
}
