import type { RedisClient } from './client.ts';
import { acquireLease, releaseLease, renewLease } from './lease.ts';

export type LeaderLease = Readonly<{
  /** Whether this instance holds the lease now (false once its local validity lapsed). */
  isLeader(): boolean;
  /** Acquires or renews once, now (the heartbeat does this on its own); resolves to isLeader(). */
  beat(): Promise<boolean>;
  /** Stops the heartbeat and releases the lease if held, so a follower takes over at once. */
  stop(): Promise<void>;
}>;

export type LeaderLeaseOptions = Readonly<{
  redis: RedisClient;
  /** The lease key (e.g. keys.lease('scheduler')). */
  key: string;
  /** Unique id of this instance (core.instance). */
  owner: string;
  /** Lease time to live; a dead leader is replaced after at most this long. Default 10 s. */
  ttlMs?: number;
  /** Heartbeat period (default ttl/3): renew while leader, try to acquire while follower. */
  heartbeatMs?: number;
  onChange?: (leader: boolean) => void;
  onError?: (err: unknown) => void;
}>;

/**
 * A leader lease in Redis: `SET key owner NX PX ttl` to acquire, a compare-and-renew script to
 * keep it, a compare-and-delete script to release it on stop. Many instances may run; the one
 * holding the key acts. The holder trusts its lease only until `ttl × 0.8` after the last
 * successful renew was SENT, so it stops acting before Redis could hand the key to someone else
 * (clock-rate drift and a slow round trip stay inside the margin).
 *
 * @example
 * const lease = startLeaderLease({ redis, key: keys.lease('scheduler'), owner: core.instance });
 * if (lease.isLeader()) await doLeaderWork();
 * await lease.stop();
 */
export function startLeaderLease(opts: LeaderLeaseOptions): LeaderLease {
  const ttlMs = Math.max(100, Math.floor(opts.ttlMs ?? 10_000));
  const heartbeatMs = Math.max(20, Math.floor(opts.heartbeatMs ?? ttlMs / 3));
  let held = false;
  let validUntil = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<boolean> | undefined;

  const isLeader = () => held && Date.now() < validUntil;
  const set = (now: boolean) => {
    const before = held;
    held = now;
    if (before !== now) opts.onChange?.(now);
  };

  const once = async (): Promise<boolean> => {
    const sentAt = Date.now();
    try {
      let ok: boolean;
      if (held) ok = await renewLease(opts.redis, opts.key, opts.owner, ttlMs);
      else {
        ok = await acquireLease(opts.redis, opts.key, opts.owner, ttlMs);
        // The key may already be ours (a restart reusing the owner id, or a renew that timed out).
        if (!ok) ok = await renewLease(opts.redis, opts.key, opts.owner, ttlMs);
      }
      // Even when stop() is waiting on this beat: `held` tells it whether to release.
      if (ok) validUntil = sentAt + Math.floor(ttlMs * 0.8);
      set(ok);
    } catch (err) {
      // Redis unreachable: keep acting only while the last renew is still valid.
      opts.onError?.(err);
      if (!isLeader()) set(false);
    }
    return isLeader();
  };

  const beat = (): Promise<boolean> => {
    if (stopped) return Promise.resolve(false);
    beating ??= once().finally(() => {
      beating = undefined;
    });
    return beating;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      beat().finally(schedule);
    }, heartbeatMs);
  };
  beat().finally(schedule);

  return Object.freeze({
    isLeader,
    beat,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await beating?.catch(() => undefined);
      const had = held;
      held = false;
      validUntil = 0;
      if (had) {
        opts.onChange?.(false);
        await releaseLease(opts.redis, opts.key, opts.owner).catch((err) => opts.onError?.(err));
      }
    },
  });
}
