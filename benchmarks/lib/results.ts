import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Redis } from 'ioredis';

/** Where every scenario writes: `benchmarks/results/`. */
export const RESULTS_DIR = new URL('../results/', import.meta.url);

/** The keys of `summary.json` (issue 6), each the median of its scenario's runs. */
export type SummaryKey =
  | 'ceilingStreamPerSec'
  | 'ceilingHonoXaddRps'
  | 'bullmqPerSec'
  | 'ingestSingleRps'
  | 'ingestBatchDeliveriesPerSec'
  | 'e2ePerSec'
  | 'e2eP99MsAt5k'
  | 'providerBoundRatio'
  | 'isolationP99Ratio';

/** The machine a result was measured on. */
export type Machine = Readonly<{ cpu: string; cores: number; memGb: number; node: string; redis: string }>;

/**
 * Describes this machine (CPU model, cores, memory, Node and Redis versions).
 *
 * @example const m = await machine(redis); m.cores // 2
 */
export async function machine(redis: Redis): Promise<Machine> {
  const info = await redis.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: version,
  };
}

/**
 * Writes `<name>.json` and `<name>.md` of one scenario into the results directory.
 *
 * @example writeResult('ceiling', { runs: [...] }, '| a | b |\n|---|---|');
 */
export function writeResult(name: string, json: unknown, markdown: string): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL(`${name}.json`, RESULTS_DIR), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(new URL(`${name}.md`, RESULTS_DIR), `${markdown.trimEnd()}\n`);
}

/**
 * Merges a scenario's medians into `summary.json` (other scenarios' keys stay), stamping
 * `machine` and `at`; so a scenario run alone also refreshes the summary.
 *
 * @example await updateSummary(redis, { ceilingStreamPerSec: 250_000 });
 */
export async function updateSummary(
  redis: Redis,
  values: Partial<Record<SummaryKey, number>>,
): Promise<Record<string, unknown>> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = new URL('summary.json', RESULTS_DIR);
  let current: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      current = {};
    }
  }
  const rounded = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, Math.round((v as number) * 1000) / 1000]),
  );
  const next = { ...current, ...rounded, machine: await machine(redis), at: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}

/**
 * Reads `summary.json` (empty object when absent).
 *
 * @example readSummary().e2ePerSec
 */
export function readSummary(): Record<string, unknown> {
  const file = new URL('summary.json', RESULTS_DIR);
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}
