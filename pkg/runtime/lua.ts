import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Registers Lua scripts (one file per script) as ioredis custom commands: EVALSHA with an
 * automatic EVAL fallback after a Redis restart flushed the script cache.
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
    const file = new URL(`${kebab(name)}.lua`, dir);
    const cmd = `pl_${name}`;
    // biome-ignore lint/suspicious/noExplicitAny: ioredis adds custom commands dynamically
    const r = redis as any;
    if (typeof r[cmd] !== 'function')
      redis.defineCommand(cmd, { numberOfKeys, lua: readFileSync(file, 'utf8') });
    out[name] = (keys, args) => {
      if (keys.length !== numberOfKeys) throw new Error(`${name}: expected ${numberOfKeys} keys`);
      return r[cmd](...keys, ...args);
    };
  }
  return out;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
