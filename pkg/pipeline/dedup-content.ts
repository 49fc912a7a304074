import { normalizeReceiver } from '../domain/receivers.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { loadLuaFile } from '../redis/lua.ts';
import { stableHash } from './stable-hash.ts';
import { namedStep, type Step } from './types.ts';

const script = loadLuaFile(new URL('./scripts/dedup-content.lua', import.meta.url));

/**
 * Content dedup: the same rendered content to the same receiver (on the same channel) within
 * `config.dedup.contentWindowSec` seconds is sent once; later copies end as `dedup_content`.
 * Atomic across handlers (one Lua script) and idempotent: a redelivery of the message that won
 * passes again. A window of 0 turns it off without touching Redis.
 *
 * @example const step = dedupContentStep({ redis, keys });
 * await step(input)  // pass (first), then { kind: 'drop', state: 'dedup_content', … } for a copy
 */
export function dedupContentStep(deps: { redis: Redis; keys: Keys }): Step {
  return namedStep('dedupContent', async ({ delivery, rendered, config }) => {
    const windowSec = config.dedup.contentWindowSec;
    if (windowSec <= 0) return { kind: 'pass' };
    const digest = stableHash(
      delivery.channel,
      normalizeReceiver(delivery.channel, delivery.receiver),
      rendered,
    );
    const [ok, first] = (await script(
      deps.redis,
      [deps.keys.dedupContent(digest)],
      [delivery.id, Math.round(windowSec * 1000)],
    )) as [number, string];
    return ok === 1
      ? { kind: 'pass' }
      : {
          kind: 'drop',
          state: 'dedup_content',
          reason: `same content sent by ${first} within ${windowSec}s`,
        };
  });
}
