// `npm run bench`: every scenario, in rounds. Round i runs each scenario once, so the ratios of
// the issue's targets (end-to-end vs the Redis Streams ceiling and vs BullMQ, ingest vs bare
// Hono+XADD) are computed inside one round, on numbers measured minutes apart on the same
// machine; medians and spread are over the rounds. Then the aggregator benchmark (its own
// module) once. Writes benchmarks/results/*.{json,md}, provider-bound.svg, summary.json,
// summary.md, and the table in benchmarks/README.md.
// Usage: npm run bench [-- --runs=3] [-- --only=ceiling,e2e] [-- --skip-aggregator]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchAggregator, formatAggregatorBench } from './aggregator.ts';
import { type CeilingRun, ceiling } from './ceiling.ts';
import { type E2eRun, e2e } from './e2e.ts';
import { type IngestRun, ingest } from './ingest.ts';
import { type IsolationRun, isolation } from './isolation.ts';
import { argNumber, argString } from './lib/env.ts';
import { machine, RESULTS_DIR, SUMMARY_KEYS, TRIAL_RUN, updateSummary, writeResult } from './lib/results.ts';
import { openContext, type Scenario, saveReport, type Timed, timedRun } from './lib/scenario.ts';
import { type PeerRun, peer } from './peer.ts';
import { type ProviderRun, providerBound } from './provider-bound.ts';
import {
  isolationTargets,
  issue10Targets,
  loadGeneratorNote,
  type RoundRuns,
  ratioKeys,
  type Target,
  targetsTable,
} from './targets.ts';
import { telemetry } from './telemetry.ts';

// biome-ignore lint/suspicious/noExplicitAny: a list of scenarios of different result types
const ALL: Scenario<any>[] = [ceiling, peer, ingest, e2e, providerBound, isolation];
/** Scenarios run only when named in --only (not part of the default rounds). */
// biome-ignore lint/suspicious/noExplicitAny: as above
const OPTIONAL: Scenario<any>[] = [telemetry];

async function main() {
  const t0 = Date.now();
  const ctx = await openContext();
  const only = argString('only', '').split(',').filter(Boolean);
  const scenarios = only.length ? [...ALL, ...OPTIONAL].filter((s) => only.includes(s.name)) : ALL;
  const runs = new Map<string, Timed<unknown>[]>(scenarios.map((s) => [s.name, []]));
  const minutesOf: Record<string, number> = {};
  try {
    for (let round = 0; round < ctx.runs; round++) {
      for (const s of scenarios) {
        ctx.log(`round ${round + 1}/${ctx.runs}: ${s.name}`);
        const ts = Date.now();
        runs.get(s.name)!.push(await timedRun(ctx, s, round));
        minutesOf[s.name] = (minutesOf[s.name] ?? 0) + (Date.now() - ts) / 60_000;
      }
    }
    const markdown: string[] = [];
    for (const s of scenarios) {
      const report = s.report(runs.get(s.name)!);
      await saveReport(ctx, s.name, report);
      markdown.push(report.markdown);
    }

    const get = <R>(name: string) => runs.get(name) as Timed<R>[] | undefined;
    const rounds: RoundRuns = {
      ceiling: get<CeilingRun>('ceiling'),
      peer: get<PeerRun>('peer'),
      ingest: get<IngestRun>('ingest'),
      e2e: get<E2eRun>('e2e'),
      providerBound: get<ProviderRun>('provider-bound'),
      isolation: get<IsolationRun>('isolation'),
    };
    const targets = issue10Targets(rounds);
    const kept = isolationTargets(rounds.isolation);
    const summary = await updateSummary(ctx.redis, ratioKeys(targets));
    const m = await machine(ctx.redis);
    const minutes = (Date.now() - t0) / 60_000;
    const perScenario = Object.entries(minutesOf)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
    const keptTable = targetsTable('target kept from issue 6', kept);
    const table = [
      `Measured ${new Date().toISOString()} on ${m.cpu}, ${m.cores} cores, ${m.memGb} GB, Node ${m.node}, Redis ${m.redis} ` +
        `(private redis-server, no persistence), MariaDB for the store; ${ctx.runs} rounds, ${minutes.toFixed(1)} min ` +
        `(minutes per scenario over all rounds: ${perScenario}).`,
      '',
      ...targetsTable('target (issue 10)', targets),
      ...(keptTable.length ? ['', ...keptTable] : []),
      '',
      loadGeneratorNote(rounds),
      '',
      '| summary.json key | median |',
      '|---|---:|',
      ...[...SUMMARY_KEYS, 'loadGenerator']
        .filter((k) => typeof summary[k] === 'number' || typeof summary[k] === 'string')
        .map((k) => `| ${k} | ${summary[k]} |`),
    ].join('\n');
    const targetJson = (t: Target) => ({
      name: t.name,
      goal: t.goal,
      value: t.value,
      met: t.value && t.met ? t.met(t.value.median) : null,
    });
    writeResult(
      'summary-run',
      {
        at: new Date().toISOString(),
        machine: m,
        rounds: ctx.runs,
        minutes,
        minutesPerScenario: minutesOf,
        targets: targets.map(targetJson),
        keptTargets: kept.map(targetJson),
      },
      table,
    );
    if (!process.argv.includes('--skip-aggregator') && !only.length) {
      try {
        ctx.log('aggregator: 1 and 2 processes');
        const events = argNumber('agg-events', 200_000);
        const rows = [];
        for (const processes of [1, 2])
          rows.push(await benchAggregator({ redisUrl: ctx.redisUrl, processes, events, partitions: 8 }));
        const e2e = typeof summary.e2ePerSec === 'number' ? summary.e2ePerSec : undefined;
        const md = formatAggregatorBench(rows, e2e);
        writeResult('aggregator', { scenario: 'aggregator', events, rows }, md);
        markdown.push(md);
      } catch (err) {
        ctx.log(`aggregator benchmark failed: ${(err as Error).message}`);
      }
    }
    writeFileSync(
      new URL('summary.md', RESULTS_DIR),
      `## Benchmark summary\n\n${table}\n\n${markdown.join('\n\n')}\n`,
    );
    if (TRIAL_RUN)
      ctx.log(`trial run (--results-dir): results in ${RESULTS_DIR.pathname}, READMEs untouched`);
    else updateReadme(table);

    process.stdout.write(`${table}\n`);
    ctx.log(`done in ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
  } finally {
    await ctx.close();
  }
}

/**
 * Replaces the text between the `bench:latest` markers of benchmarks/README.md and of the
 * project README with the latest table, so both always show the last run.
 */
function updateReadme(table: string) {
  for (const rel of ['README.md', '../README.md']) {
    const file = new URL(rel, import.meta.url);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const start = '<!-- bench:latest:start -->';
    const end = '<!-- bench:latest:end -->';
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a < 0 || b < a) continue;
    writeFileSync(file, `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}`);
    // Biome formats Markdown too (tables get aligned): keep `npm run lint` clean after a run.
    const biome = fileURLToPath(new URL('../node_modules/@biomejs/biome/bin/biome', import.meta.url));
    spawnSync(process.execPath, [biome, 'format', '--write', fileURLToPath(file)], { stdio: 'ignore' });
  }
}

await main();
