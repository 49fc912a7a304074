import { loadLuaFile, type ScriptClient } from './lua.ts';

const load = (file: string, keys: number) => loadLuaFile(new URL(`./scripts/${file}`, import.meta.url), keys);

/** The bus's Lua scripts, read once at load and run as EVALSHA with an EVAL fallback (see {@link luaScript}). */
const SCRIPTS = {
  settleDelay: load('settle-delay.lua', 2),
  settleDead: load('settle-dead.lua', 2),
  deadLetterStalled: load('dead-letter-stalled.lua', 2),
  moveDue: load('move-due.lua', 2),
  trimAcknowledged: load('trim-acknowledged.lua', 1),
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/**
 * Runs one of the bus scripts; `keys` must match the script's KEYS count (all keys of one hash tag).
 *
 * @example await runScript(redis, 'trimAcknowledged', ['push:d:{email.notice}'], []);
 */
export function runScript(
  redis: ScriptClient,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return SCRIPTS[name](redis, keys, args);
}
