import type { RedisClient } from '../redis/client.ts';
import { runScript } from './scripts.ts';

/**
 * Removes the entries every consumer group is done with: XTRIM MINID to the oldest entry any
 * group still needs (its oldest pending entry, or the first one it was not delivered yet). An
 * unacknowledged or undelivered entry is never removed; a stream without groups is not touched.
 * One Lua script, so a read or ack racing the trim cannot slip between measure and cut.
 * Returns the number of entries removed.
 *
 * @example const removed = await trimAcknowledged(redis, keys.stream('email.notice'));
 */
export async function trimAcknowledged(redis: RedisClient, stream: string): Promise<number> {
  return Number(await runScript(redis, 'trimAcknowledged', [stream], []));
}
