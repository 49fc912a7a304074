import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** The slice of an ioredis client a Lua script needs. */
export type ScriptClient = Pick<Redis, 'evalsha' | 'eval'>;

/** A Lua script (bound to its KEYS count when one was given); call it with any client. */
export type LuaScript = (
  redis: ScriptClient,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/**
 * Wraps a Lua source as `EVALSHA`, falling back to `EVAL` when the server answers NOSCRIPT
 * (after a restart or `SCRIPT FLUSH`). We do not use ioredis `defineCommand`: a command defined
 * on a client after one of its auto-pipelines was created is missing from that pipeline, and the
 * call then fails and leaves the pipeline's replies misaligned (ioredis #1931). EVALSHA and EVAL
 * are built-in commands, so they auto-pipeline safely whenever the script is first used.
 *
 * @example
 * const moveDue = luaScript(readFileSync(file, 'utf8'), 2);
 * await moveDue(redis, [delayedKey, streamKey], [Date.now(), 100]);
 */
export function luaScript(lua: string, numberOfKeys?: number): LuaScript {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis, keys, args) => {
    if (numberOfKeys !== undefined && keys.length !== numberOfKeys) {
      throw new Error(`script takes ${numberOfKeys} keys, got ${keys.length}`);
    }
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

/**
 * {@link luaScript} of a `.lua` file, read once at load so a missing file fails the process at start.
 *
 * @example const renew = loadLuaFile(new URL('./lease-renew.lua', import.meta.url));
 */
export function loadLuaFile(file: URL, numberOfKeys?: number): LuaScript {
  return luaScript(readFileSync(file, 'utf8'), numberOfKeys);
}
