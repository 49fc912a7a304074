import { normalizeReceiver } from '../domain/receivers.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { loadLuaFile } from '../redis/lua.ts';
import { shieldZone } from './quiet-hours.ts';
import { namedStep, type Step } from './types.ts';
import { localDay } from './zoned-time.ts';

const script = loadLuaFile(new URL('./scripts/dedup-frequency.lua', import.meta.url));

/** Day buckets live a bit longer than the longest day (25 h on a DST day). */
const DAY_TTL_MS = 26 * 3_600_000;

/**
 * Frequency cap: at most `config.dedup.frequency.limit` messages per receiver per channel, per
 * calendar day (`per: 'day'`, the day in the platform zone `config.quietHours.timezone`) or per
 * rolling `windowSec` (`per: 'window'`). Over the cap → `dedup_frequency`. Counts distinct
 * message ids, so a redelivered message is not counted twice and passes again. Verification
 * codes count like any other message. A limit of 0 turns it off.
 *
 * @example const step = dedupFrequencyStep({ redis, keys });
 * // limit 2 per day: the 3rd message to a@x.com today → { kind: 'drop', state: 'dedup_frequency', … }
 */
export function dedupFrequencyStep(deps: { redis: Redis; keys: Keys }): Step {
  return namedStep('dedupFrequency', async ({ delivery, now, config }) => {
    const { limit, per, windowSec } = config.dedup.frequency;
    if (limit <= 0) return { kind: 'pass' };
    const rolling = per === 'window';
    const bucket = rolling ? `w${windowSec}` : localDay(now, shieldZone(config.quietHours.timezone));
    const windowMs = rolling ? Math.round(windowSec * 1000) : 0;
    const key = deps.keys.dedupFrequency(
      delivery.channel,
      normalizeReceiver(delivery.channel, delivery.receiver),
      bucket,
    );
    const [ok, count] = (await script(
      deps.redis,
      [key],
      [delivery.id, limit, windowMs, rolling ? windowMs : DAY_TTL_MS],
    )) as [number, number];
    if (ok === 1) return { kind: 'pass' };
    const span = rolling ? `${windowSec}s` : 'day';
    return {
      kind: 'drop',
      state: 'dedup_frequency',
      reason: `${count} messages this ${span} (limit ${limit})`,
    };
  });
}
