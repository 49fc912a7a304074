// `npm run bench`: every scenario, in rounds. Round i runs each scenario once, so the ratios of
// the targets (end-to-end vs the Redis Streams ceiling and vs BullMQ, ingest vs bare
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
import { type E2eRun, e2e, TARGET_RATE } from './e2e.ts';
import { type IngestRun, ingest } from './ingest.ts';
import { type IsolationRun, isolation } from './isolation.ts';
import { argNumber, argString } from './lib/env.ts';
import { machine, RESULTS_DIR, readSummary, writeResult } from './lib/results.ts';
import { openContext, type Scenario, saveReport, type Timed, timedRun } from './lib/scenario.ts';
import { cell, type RunSummary, summarize } from './lib/stats.ts';
import { type PeerRun, peer } from './peer.ts';
import { type ProviderRun, providerBound } from './provider-bound.ts';

// biome-ignore lint/suspicious/noExplicitAny: a list of scenarios of different result types
const ALL: Scenario<any>[] = [ceiling, peer, ingest, e2e, providerBound, isolation];

type Target = {
  name: string;
  value: RunSummary | undefined;
  goal: string;
  met: (v: number) => boolean;
  digits: number;
};

const ratiosPerRound = <A, B>(
  a: readonly A[] | undefined,
  b: readonly B[] | undefined,
  f: (x: A, y: B) => number,
) =>
  a && b && a.length && b.length
    ? summarize(a.slice(0, Math.min(a.length, b.length)).map((x, i) => f(x, b[i]!)))
    : undefined;

async function main() {
  const t0 = Date.now();
  const ctx = await openContext();
  const only = argString('only', '').split(',').filter(Boolean);
  const scenarios = only.length ? ALL.filter((s) => only.includes(s.name)) : ALL;
  const runs = new Map<string, Timed<unknown>[]>(scenarios.map((s) => [s.name, []]));
  try {
    for (let round = 0; round < ctx.runs; round++) {
      for (const s of scenarios) {
        ctx.log(`round ${round + 1}/${ctx.runs}: ${s.name}`);
        runs.get(s.name)!.push(await timedRun(ctx, s, round));
      }
    }
    const markdown: string[] = [];
    for (const s of scenarios) {
      const report = s.report(runs.get(s.name)!);
      await saveReport(ctx, s.name, report);
      markdown.push(report.markdown);
    }

    const get = <R>(name: string) => runs.get(name) as Timed<R>[] | undefined;
    const e2eRuns = get<E2eRun>('e2e');
    const isolationRuns = get<IsolationRun>('isolation');
    const isolationTarget = (layout: string, ratio: (r: IsolationRun) => number): Target => ({
      name: `auth p99 during a 200k marketing flood ÷ unloaded, ${layout}`,
      value: isolationRuns?.length ? summarize(isolationRuns.map(ratio)) : undefined,
      goal: '≤ 2',
      met: (v) => v <= 2,
      digits: 2,
    });
    const targets: Target[] = [
      {
        name: 'end-to-end deliveries/s ÷ raw Redis Streams round trip',
        value: ratiosPerRound(
          e2eRuns,
          get<CeilingRun>('ceiling'),
          (e, c) => e.throughput.perSec / c.stream.perSec,
        ),
        goal: '≥ 0.30',
        met: (v) => v >= 0.3,
        digits: 3,
      },
      {
        name: 'end-to-end deliveries/s ÷ BullMQ peer jobs/s',
        value: ratiosPerRound(e2eRuns, get<PeerRun>('peer'), (e, p) => e.throughput.perSec / p.perSec),
        goal: '≥ 3',
        met: (v) => v >= 3,
        digits: 2,
      },
      {
        name: 'single-receiver ingest req/s ÷ bare Hono+XADD req/s',
        value: ratiosPerRound(
          get<IngestRun>('ingest'),
          get<CeilingRun>('ceiling'),
          (i, c) => i.single.rps / c.hono.rps,
        ),
        goal: '≥ 0.70',
        met: (v) => v >= 0.7,
        digits: 3,
      },
      {
        name: 'accept→sent p99 at 5,000 deliveries/s, ms',
        value: e2eRuns?.length
          ? summarize(
              e2eRuns.flatMap((r) =>
                r.latency.filter((l) => l.offeredPerSec === TARGET_RATE).map((l) => l.p99),
              ),
            )
          : undefined,
        goal: '≤ 20',
        met: (v) => v <= 20,
        digits: 1,
      },
      {
        name: "provider-bound throughput ÷ Little's-law bound",
        value: get<ProviderRun>('provider-bound')?.length
          ? summarize(get<ProviderRun>('provider-bound')!.flatMap((r) => r.steps.map((s) => s.ratio)))
          : undefined,
        goal: '≥ 0.90',
        met: (v) => v >= 0.9,
        digits: 3,
      },
      isolationTarget('one handler for every route', (r) => r.ratio),
      isolationTarget('a dedicated auth handler (`HANDLER_ROUTES=*.auth`)', (r) => r.dedicated.ratio),
    ];
    const m = await machine(ctx.redis);
    const summary = readSummary();
    const keys = [
      'ceilingStreamPerSec',
      'ceilingHonoXaddRps',
      'bullmqPerSec',
      'ingestSingleRps',
      'ingestBatchDeliveriesPerSec',
      'e2ePerSec',
      'e2eP99MsAt5k',
      'providerBoundRatio',
      'isolationP99Ratio',
      'isolationDedicatedP99Ratio',
    ];
    const minutes = (Date.now() - t0) / 60_000;
    const table = [
      `Measured ${new Date().toISOString()} on ${m.cpu}, ${m.cores} cores, ${m.memGb} GB, Node ${m.node}, Redis ${m.redis} ` +
        `(private redis-server, no persistence), MariaDB for the store; ${ctx.runs} rounds, ${minutes.toFixed(1)} min.`,
      '',
      '| target (issue 6) | measured: median (min–max, spread) over rounds | goal | met |',
      '|---|---:|---:|:---:|',
      ...targets
        .filter((t) => t.value)
        .map(
          (t) =>
            `| ${t.name} | ${cell(t.value!, t.digits)} | ${t.goal} | ${t.met(t.value!.median) ? 'yes' : '**no**'} |`,
        ),
      '',
      '| summary.json key | median |',
      '|---|---:|',
      ...keys.filter((k) => typeof summary[k] === 'number').map((k) => `| ${k} | ${summary[k]} |`),
    ].join('\n');
    writeResult(
      'summary-run',
      {
        at: new Date().toISOString(),
        machine: m,
        rounds: ctx.runs,
        minutes,
        targets: targets.map((t) => ({
          name: t.name,
          goal: t.goal,
          value: t.value,
          met: t.value ? t.met(t.value.median) : null,
        })),
      },
      table,
    );
    if (!argString('skip-aggregator', '') && !process.argv.includes('--skip-aggregator') && !only.length) {
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
    updateReadme(table);

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
  for (const rel of ['../README.md', '../../README.md']) {
    const file = new URL(rel, RESULTS_DIR);
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
