import type { Redis } from 'ioredis';
import { loadLuaFile } from '../bus/lua.ts';

/**
 * Loads Lua scripts (one file per script, `camelCase` name → `kebab-case.lua`) bound to a client:
 * EVALSHA with an automatic EVAL fallback after a Redis restart flushed the script cache.
 *
 * @example
 * const run = loadScripts(redis, new URL('./scripts/', import.meta.url), { attemptBegin: 2 });
 * await run.attemptBegin([k1, k2], [a1, a2]);
 */
export function loadScripts<N extends string>(
  redis: Redis,
  dir: URL,
  scripts: Readonly<Record<N, number>>,
): Record<N, (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>> {
  const out = {} as Record<
    N,
    (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>
  >;
  for (const [name, numberOfKeys] of Object.entries(scripts) as [N, number][]) {
    const run = loadLuaFile(new URL(`${kebab(name)}.lua`, dir), numberOfKeys);
    out[name] = (keys, args) => run(redis, keys, args);
  }
  return out;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
