import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The bus's Lua scripts, read from `scripts/*.lua` once and registered per client with ioredis
 * `defineCommand` (EVALSHA, falling back to EVAL when the server lost its script cache).
 */
const SCRIPTS = {
  settleDelay: { file: 'settle-delay.lua', keys: 2 },
  settleDead: { file: 'settle-dead.lua', keys: 2 },
  deadLetterStalled: { file: 'dead-letter-stalled.lua', keys: 2 },
  moveDue: { file: 'move-due.lua', keys: 2 },
  trimAcknowledged: { file: 'trim-acknowledged.lua', keys: 1 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

const sources = new Map<ScriptName, string>();
function source(name: ScriptName): string {
  let lua = sources.get(name);
  if (lua === undefined) {
    lua = readFileSync(new URL(`./scripts/${SCRIPTS[name].file}`, import.meta.url), 'utf8');
    sources.set(name, lua);
  }
  return lua;
}

// Clients this module already defined its commands on (defineCommand is per client instance).
const defined = new WeakSet<Redis>();
type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Runs one of the bus scripts; `keys` must match the script's KEYS count (all keys of one hash tag).
 *
 * @example await runScript(redis, 'trimAcknowledged', ['push:d:{email.notice}'], []);
 */
export function runScript(
  redis: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  if (keys.length !== SCRIPTS[name].keys) {
    throw new Error(`script ${name} takes ${SCRIPTS[name].keys} keys, got ${keys.length}`);
  }
  if (!defined.has(redis)) {
    for (const n of Object.keys(SCRIPTS) as ScriptName[]) {
      redis.defineCommand(`bus_${n}`, { numberOfKeys: SCRIPTS[n].keys, lua: source(n) });
    }
    defined.add(redis);
  }
  const fn = (redis as unknown as Record<string, ScriptFn>)[`bus_${name}`]!;
  return fn.call(redis, ...keys, ...args);
}
