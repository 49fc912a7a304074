import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './client.ts';

// The one Lua loader of the repository: every script is one `.lua` file (KEYS/ARGV/returns
// header, keys of one hash tag) read once at module load, run as EVALSHA with an EVAL fallback.

/** The slice of an ioredis client a Lua script needs. */
export type ScriptClient = Pick<RedisClient, 'evalsha' | 'eval'>;

/** A Lua script (bound to its KEYS count when one was given); call it with any client. */
export type LuaScript = (
  redis: ScriptClient,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/** A Lua script bound to one client. */
export type BoundScript = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/**
 * Wraps a Lua source as `EVALSHA`, falling back to `EVAL` when the server answers NOSCRIPT
 * (after a restart or `SCRIPT FLUSH`). We do not use ioredis `defineCommand`: a command defined
 * on a client after one of its auto-pipelines was created is missing from that pipeline, and the
 * call then fails and leaves the pipeline's replies misaligned (ioredis #1931). EVALSHA and EVAL
 * are built-in commands, so they auto-pipeline safely whenever the script is first used.
 *
 * @example
 * const moveDue = luaScript("return redis.call('GET', KEYS[1])", 1);
 * await moveDue(redis, ['push:x'], []);
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
 * The source of a `.lua` file with its `--#include <file>` lines replaced by that file (relative
 * to the including one), so shared Lua (a rule, a helper function) is included, never copied.
 *
 * @example readLua(new URL('./scripts/attempt-begin.lua', import.meta.url)) // with ended.lua inlined
 */
export function readLua(file: URL, seen: ReadonlySet<string> = new Set()): string {
  if (seen.has(file.href)) throw new Error(`${file.pathname} includes itself`);
  const next = new Set([...seen, file.href]);
  return readFileSync(file, 'utf8').replace(/^--#include\s+(\S+)\s*$/gm, (_, name: string) =>
    readLua(new URL(name, file), next),
  );
}

/**
 * {@link luaScript} of a `.lua` file, read once at load so a missing file fails the process at start.
 *
 * @example const renew = loadLuaFile(new URL('./scripts/lease-renew.lua', import.meta.url), 1);
 */
export function loadLuaFile(file: URL, numberOfKeys?: number): LuaScript {
  return luaScript(readLua(file), numberOfKeys);
}

/**
 * Loads the scripts of one folder (`camelCase` name → `kebab-case.lua`, value = KEYS count),
 * each callable with any client.
 *
 * @example
 * const SCRIPTS = loadScriptDir(new URL('./scripts/', import.meta.url), { moveDue: 2 });
 * await SCRIPTS.moveDue(redis, [delayedKey, streamKey], [Date.now(), 100]);
 */
export function loadScriptDir<N extends string>(
  dir: URL,
  scripts: Readonly<Record<N, number>>,
): Record<N, LuaScript> {
  const out = {} as Record<N, LuaScript>;
  for (const [name, numberOfKeys] of Object.entries(scripts) as [N, number][]) {
    out[name] = loadLuaFile(new URL(`${kebab(name)}.lua`, dir), numberOfKeys);
  }
  return out;
}

/**
 * {@link loadScriptDir} with every script bound to `redis`.
 *
 * @example
 * const run = loadScripts(redis, new URL('./scripts/', import.meta.url), { attemptBegin: 2 });
 * await run.attemptBegin([k1, k2], [a1, a2]);
 */
export function loadScripts<N extends string>(
  redis: ScriptClient,
  dir: URL,
  scripts: Readonly<Record<N, number>>,
): Record<N, BoundScript> {
  const out = {} as Record<N, BoundScript>;
  for (const [name, run] of Object.entries(loadScriptDir(dir, scripts)) as [N, LuaScript][]) {
    out[name] = (keys, args) => run(redis, keys, args);
  }
  return out;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
