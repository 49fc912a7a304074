import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** A loaded Lua script: run by SHA, sent in full once when the server does not know it yet. */
export type Script = (
  redis: Redis,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/**
 * Loads a `.lua` file next to the caller and returns a runner that uses EVALSHA, falling back to
 * EVAL on NOSCRIPT (after a Redis restart or on a fresh server).
 *
 * @example const renew = loadScript(new URL('./lease-renew.lua', import.meta.url));
 * await renew(redis, [key], [owner, ttlMs]);
 */
export function loadScript(file: URL): Script {
  const lua = readFileSync(file, 'utf8');
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}
