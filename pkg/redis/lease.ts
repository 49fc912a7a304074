import type { RedisClient } from './client.ts';
import { loadScriptDir } from './lua.ts';

// One lease primitive for the whole repository: a string key holding the owner id with a
// PX time to live. Acquire with SET NX, renew and release only while still the owner.
const SCRIPTS = loadScriptDir(new URL('./scripts/', import.meta.url), { leaseRenew: 1, leaseRelease: 1 });

type LeaseClient = Pick<RedisClient, 'set' | 'evalsha' | 'eval'>;

/**
 * Takes a free lease (`SET key owner NX PX ttl`); resolves true when the caller now holds it.
 *
 * @example if (await acquireLease(redis, keys.lease('scheduler'), 'host-1', 10_000)) lead();
 */
export async function acquireLease(redis: LeaseClient, key: string, owner: string, ttlMs: number) {
  return (await redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK';
}

/**
 * Extends a lease the caller holds (compare-and-pexpire); false when it expired or moved on.
 *
 * @example const still = await renewLease(redis, key, 'host-1', 10_000);
 */
export async function renewLease(redis: LeaseClient, key: string, owner: string, ttlMs: number) {
  return Number(await SCRIPTS.leaseRenew(redis, [key], [owner, ttlMs])) === 1;
}

/**
 * Gives a lease up if the caller still holds it (compare-and-delete), so others take over at once.
 *
 * @example await releaseLease(redis, key, 'host-1');
 */
export async function releaseLease(redis: LeaseClient, key: string, owner: string) {
  return Number(await SCRIPTS.leaseRelease(redis, [key], [owner])) === 1;
}
