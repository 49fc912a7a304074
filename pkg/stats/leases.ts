import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { acquireLease, releaseLease, renewLease } from '../redis/lease.ts';
import { loadLuaFile } from '../redis/lua.ts';
import type { Logger } from '../telemetry/logger.ts';

const membersScript = loadLuaFile(new URL('./members.lua', import.meta.url));

/**
 * Lease key name of an event partition (under `keys.lease`); the value is the owner's instance id.
 *
 * @example redis.get(keys.lease(partitionLeaseName(3))) // 'host:1234:ab12cd'
 */
export const partitionLeaseName = (partition: number) => `aggregator:p${partition}`;
/**
 * Sorted set of live aggregator instances scored by heartbeat (under `keys.lease`).
 *
 * @example redis.zcard(keys.lease(MEMBERS_LEASE_NAME)) // live instances
 */
export const MEMBERS_LEASE_NAME = 'aggregator:members';

export type PartitionLeasesOptions = {
  redis: Redis;
  keys: Keys;
  partitions: number;
  instanceId: string;
  ttlMs: number;
  log: Logger;
  /** Called when a partition is newly acquired (re-read its pending entries first). */
  onAcquire: (partition: number) => Promise<void> | void;
};

/**
 * Partition leases of one aggregator instance. Each `tick()` (every ttl/3) heartbeats the
 * instance, renews held leases (compare-and-pexpire) and balances: with `m` live instances each
 * holds at most ceil(partitions / m), takes free partitions up to that (`SET NX PX`; a dead
 * instance's leases simply expire) and marks extras for release. Releasing happens between
 * batches (`releaseMarked`), never under a batch in flight.
 *
 * @example
 * const leases = createPartitionLeases({ redis, keys, partitions: 8, instanceId, ttlMs: 10_000, log, onAcquire });
 * await leases.tick(); leases.owned() // e.g. [0, 3, 5, 6]
 */
export function createPartitionLeases(opts: PartitionLeasesOptions) {
  const { redis, keys, partitions, instanceId, ttlMs, log } = opts;
  /** Partition → last successful renewal (local ms). */
  const held = new Map<number, number>();
  const toRelease = new Set<number>();
  const leaseKey = (p: number) => keys.lease(partitionLeaseName(p));

  const renew = async (p: number, now: number) => {
    try {
      const ok = await renewLease(redis, leaseKey(p), instanceId, ttlMs);
      if (ok) held.set(p, now);
      else {
        held.delete(p);
        toRelease.delete(p);
        log.warn({ partition: p }, 'partition lease lost');
      }
    } catch (err) {
      log.warn({ partition: p, err }, 'partition lease renewal failed');
    }
  };

  return {
    /** Heartbeat, renew, take free partitions up to the fair share, mark extras for release. */
    async tick(): Promise<void> {
      const now = Date.now();
      const live = Math.max(
        1,
        Number(await membersScript(redis, [keys.lease(MEMBERS_LEASE_NAME)], [instanceId, ttlMs])),
      );
      await Promise.all([...held.keys()].map((p) => renew(p, now)));
      const share = Math.ceil(partitions / live);
      const start = Math.floor(Math.random() * partitions);
      for (let i = 0; i < partitions && held.size < share; i++) {
        const p = (start + i) % partitions;
        if (held.has(p)) continue;
        if (await acquireLease(redis, leaseKey(p), instanceId, ttlMs)) {
          held.set(p, now);
          log.info({ partition: p }, 'partition lease acquired');
          await opts.onAcquire(p);
        }
      }
      toRelease.clear();
      const extra = [...held.keys()].sort((a, b) => b - a).slice(0, Math.max(0, held.size - share));
      for (const p of extra) toRelease.add(p);
    },
    /**
     * Partitions this instance may work on: held and renewed within 80% of the TTL (a lease
     * that could not be renewed in time may already belong to another instance).
     */
    owned(): number[] {
      const fresh = Date.now() - ttlMs * 0.8;
      return [...held]
        .filter(([p, at]) => at > fresh && !toRelease.has(p))
        .map(([p]) => p)
        .sort((a, b) => a - b);
    },
    /** Gives up the partitions marked by the last tick (call between batches). */
    async releaseMarked(): Promise<number[]> {
      const done: number[] = [];
      for (const p of toRelease) {
        toRelease.delete(p);
        held.delete(p);
        await releaseLease(redis, leaseKey(p), instanceId);
        log.info({ partition: p }, 'partition lease released for balance');
        done.push(p);
      }
      return done;
    },
    /** Releases every lease and leaves the member set (clean shutdown: others take over at once). */
    async releaseAll(): Promise<void> {
      await Promise.all([...held.keys()].map((p) => releaseLease(redis, leaseKey(p), instanceId)));
      held.clear();
      toRelease.clear();
      await redis.zrem(keys.lease(MEMBERS_LEASE_NAME), instanceId);
    },
  };
}

export type PartitionLeases = ReturnType<typeof createPartitionLeases>;
