import type { HttpLoadResult } from './http-load.ts';
import { cell, summarize } from './stats.ts';

/**
 * Markdown table rows of one closed-loop HTTP phase over several runs: requests/s (with the
 * load generator and connections), latency p50/p99/p99.9, and CPU per request and cores busy of
 * the load generator, the server and Redis — the generator's share shows it is not the limit.
 *
 * @example rows.push(...httpRows('bare Hono + one XADD', runs.map((r) => r.hono)));
 */
export function httpRows(label: string, shots: readonly HttpLoadResult[]): string[] {
  const s0 = shots[0];
  if (!s0) return [];
  const of = (f: (s: HttpLoadResult) => number, digits = 1) => cell(summarize(shots.map(f)), digits);
  const generators = [...new Set(shots.map((s) => s.generator))].join('+');
  return [
    `| ${label}: requests/s (${generators}, ${s0.connections} connections) | ${of((s) => s.rps)} |`,
    `| ${label}: latency p50 / p99 / p99.9, ms | ${of((s) => s.p50)} / ${of((s) => s.p99)} / ${of((s) => s.p999)} |`,
    `| ${label}: CPU ms per request, load generator / server / Redis | ${of((s) => s.cpu.loadGenerator.msPerRequest, 3)} / ${of((s) => s.cpu.server.msPerRequest, 3)} / ${of((s) => s.cpu.redis.msPerRequest, 3)} |`,
    `| ${label}: cores busy, load generator / server / Redis | ${of((s) => s.cpu.loadGenerator.cores, 2)} / ${of((s) => s.cpu.server.cores, 2)} / ${of((s) => s.cpu.redis.cores, 2)} |`,
  ];
}

/**
 * Non-2xx answers and socket errors over all runs of the given phases (0 for a clean run).
 *
 * @example const bad = badAnswers(runs.flatMap((r) => [r.single, r.batch]));
 */
export const badAnswers = (shots: readonly HttpLoadResult[]): number =>
  shots.reduce((n, s) => n + s.non2xx + s.errors, 0);
