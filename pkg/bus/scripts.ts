import { readFileSync } from 'node:fs';
import { type LuaScript, luaScript, type ScriptClient } from './lua.ts';

/**
 * The bus's Lua scripts, read from `scripts/*.lua` once and run as EVALSHA with an EVAL
 * fallback (see {@link luaScript}).
 */
const SCRIPTS = {
  settleDelay: { file: 'settle-delay.lua', keys: 2 },
  settleDead: { file: 'settle-dead.lua', keys: 2 },
  deadLetterStalled: { file: 'dead-letter-stalled.lua', keys: 2 },
  moveDue: { file: 'move-due.lua', keys: 2 },
  trimAcknowledged: { file: 'trim-acknowledged.lua', keys: 1 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

const compiled = new Map<ScriptName, LuaScript>();
function script(name: ScriptName): LuaScript {
  let run = compiled.get(name);
  if (run === undefined) {
    const lua = readFileSync(new URL(`./scripts/${SCRIPTS[name].file}`, import.meta.url), 'utf8');
    run = luaScript(lua, SCRIPTS[name].keys);
    compiled.set(name, run);
  }
  return run;
}

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
  return script(name)(redis, keys, args);
}
