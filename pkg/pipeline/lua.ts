import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** A Lua script run by its SHA, loaded into the server on first use (or after a server restart). */
export type LuaScript = Readonly<{
  name: string;
  sha: string;
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}>;

/**
 * Loads a `.lua` file next to the calling module. EVALSHA first; on `NOSCRIPT` (fresh or
 * flushed server) EVAL sends the source once, which also caches it for later EVALSHAs.
 *
 * @example
 * const bucket = loadLua(new URL('./scripts/token-bucket.lua', import.meta.url));
 * await bucket.run(redis, [key], [rate, burst, 1]);
 */
export function loadLua(file: URL): LuaScript {
  const source = readFileSync(file, 'utf8');
  const sha = createHash('sha1').update(source).digest('hex');
  const name = file.pathname.split('/').pop() ?? 'script';
  return Object.freeze({
    name,
    sha,
    async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  });
}
