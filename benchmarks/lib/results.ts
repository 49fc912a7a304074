import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import { argString } from './env.ts';

/** Whether `--results-dir=` sends this run's files elsewhere (a trial run: READMEs untouched). */
export const TRIAL_RUN = argString('results-dir', '') !== '';

/**
 * Where every scenario writes: `benchmarks/results/`, or `--results-dir=<dir>` (relative to
 * the working directory) for a trial run that must not touch the committed results.
 */
export const RESULTS_DIR = TRIAL_RUN
  ? pathToFileURL(`${resolve(argString('results-dir', ''))}/`)
  : new URL('../results/', import.meta.url);

/**
 * The keys of `summary.json` (issues 6 and 10), each the median of its scenario's runs; the
 * three ratios are medians of per-round ratios, written by `npm run bench` only.
 */
export const SUMMARY_KEYS = [
  'ceilingStreamPerSec',
  'ceilingHonoXaddRps',
  'bullmqPerSec',
  'ingestSingleRps',
  'ingestBatchDeliveriesPerSec',
  'e2ePerSec',
  'e2eP99MsAt5k',
  'e2eP999MsAt5k',
  'providerBoundRatio',
  'providerBoundRatio1',
  'providerBoundRatio2',
  'providerBoundRatio4',
  'isolationP99Ratio',
  'isolationDedicatedP99Ratio',
  'redisBytesPerDelivery',
  'handlerRssMb',
  'e2eVsBullmq',
  'e2eVsStreams',
  'ingestVsHonoXadd',
] as const;

/** One key of `summary.json`. */
export type SummaryKey = (typeof SUMMARY_KEYS)[number];

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
  values: Partial<Record<SummaryKey, number>> & { loadGenerator?: string },
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
    Object.entries(values).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v]),
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
