import { loadScriptDir, type ScriptClient } from '../redis/lua.ts';

/** The bus's Lua scripts (`scripts/<kebab-name>.lua`, value = KEYS count). */
const SCRIPTS = loadScriptDir(new URL('./scripts/', import.meta.url), {
  ackMany: 1,
  settleDelay: 2,
  settleDead: 2,
  deadLetterStalled: 2,
  moveDue: 2,
  trimAcknowledged: 1,
});

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
