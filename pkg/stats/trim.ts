import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { compareStreamIds } from './ids.ts';

/**
 * Trims a partition's event stream of entries that are both folded (at or before its
 * applied-up-to id, hence acknowledged: the apply script acknowledges what it applies) and older
 * than `retentionMs`. Never removes an unfolded entry. Approximate (`MINID ~`), so Redis frees
 * whole stream nodes only. Returns the number of entries removed.
 *
 * @example await trimFolded({ redis, keys, partition: 3, retentionMs: 86_400_000 });
 */
export async function trimFolded(opts: {
  redis: Redis;
  keys: Keys;
  partition: number;
  retentionMs: number;
  now?: number;
  exact?: boolean;
}): Promise<number> {
  const applied = await opts.redis.get(opts.keys.statsApplied(opts.partition));
  if (!applied) return 0;
  const horizon = `${(opts.now ?? Date.now()) - opts.retentionMs}-0`;
  // MINID keeps ids >= minId; the applied entry itself may go, hence its successor.
  const [ms, seq] = applied.split('-');
  const afterApplied = `${ms}-${Number(seq) + 1}`;
  const minId = compareStreamIds(afterApplied, horizon) < 0 ? afterApplied : horizon;
  const key = opts.keys.events(opts.partition);
  return opts.exact ? opts.redis.xtrim(key, 'MINID', minId) : opts.redis.xtrim(key, 'MINID', '~', minId);
}
