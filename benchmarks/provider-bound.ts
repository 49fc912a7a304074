// Scenario "provider-bound": a fake provider answering after 100 ms (the sandbox account's
// `latencyMs`). With C concurrent deliveries per handler process, Little's law bounds throughput
// at processes × C ÷ latency; measured with 1, 2 and 4 handler processes on one queue.
// Each step queues processes × C ÷ latency × 5 s of deliveries through ingest and measures the
// acknowledgement rate between 10% and 90% of them (ramp-up and tail left out).
// Writes results/provider-bound.svg: the scaling curve against the bound.
// Usage: npx tsx benchmarks/provider-bound.ts [--runs=3] [--pb-concurrency=50] [--pb-seconds=5]
import { writeFileSync } from 'node:fs';
import { scalingChart } from './lib/chart.ts';
import { argNumber, argString, isMain, sleep } from './lib/env.ts';
import { ackedCount } from './lib/events.ts';
import { closedLoop, sendBodies, sendClient } from './lib/load.ts';
import { benchPlatform, seedSandbox, until } from './lib/platform.ts';
import { RESULTS_DIR } from './lib/results.ts';
import { runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, fmt, summarize } from './lib/stats.ts';

const LATENCY_MS = 100;
const STEPS = [1, 2, 4] as const;

export type ProviderStep = {
  processes: number;
  concurrency: number;
  bound: number;
  perSec: number;
  ratio: number;
  deliveries: number;
  /** The harness's CPU per request (100 receivers) while it queued the step's deliveries. */
  loadGenCpuMsPerRequest: number;
};
export type ProviderRun = { steps: ProviderStep[] };

export const providerBound: Scenario<ProviderRun> = {
  name: 'provider-bound',
  async runOnce(ctx) {
    const concurrency = argNumber('pb-concurrency', 50);
    const seconds = argNumber('pb-seconds', 5);
    const p = await benchPlatform(ctx, {
      ingest: true,
      handlers: 0,
      env: { HANDLER_CONCURRENCY: String(concurrency) },
      ...(argString('handler-script', '') ? { handlerScript: argString('handler-script', '') } : {}),
    });
    try {
      const { apiKey, templates } = await seedSandbox(p.admin, [
        { messageType: 'notice', account: { latencyMs: LATENCY_MS } },
      ]);
      const tpl = templates[0]!.id;
      const cfg = await p.admin.getConfig();
      await p.admin.putConfig({ ...cfg, concurrency: { 'sandbox.notice': concurrency } });
      const stream = p.keys.stream('sandbox.notice');
      const client = sendClient(p.baseUrl, apiKey, 8);
      const body = sendBodies(tpl, 100);
      const steps: ProviderStep[] = [];
      for (const k of STEPS) {
        while (p.handlers.length < k) await p.addHandler();
        await sleep(300);
        const bound = (k * concurrency * 1000) / LATENCY_MS;
        const n = Math.ceil((bound * seconds) / 100) * 100;
        const start = await ackedCount(ctx.redis, stream, 'handlers');
        const deadline = Date.now() + 120_000;
        const fill = closedLoop({
          client,
          body,
          workers: 4,
          running: () => Date.now() < deadline,
          maxRequests: n / 100,
        });
        const samples: { t: number; done: number }[] = [];
        await until(`${n} deliveries acknowledged`, 120_000, async () => {
          const done = (await ackedCount(ctx.redis, stream, 'handlers')) - start;
          samples.push({ t: performance.now(), done });
          return done >= n;
        });
        const filled = await fill;
        const a = samples.find((s) => s.done >= n * 0.1)!;
        const b = samples.find((s) => s.done >= n * 0.9)!;
        const perSec = ((b.done - a.done) * 1000) / (b.t - a.t);
        steps.push({
          processes: k,
          concurrency,
          bound,
          perSec,
          ratio: perSec / bound,
          deliveries: n,
          loadGenCpuMsPerRequest: filled.cpuMsPerRequest,
        });
        ctx.log(
          `provider-bound: ${k} handler(s) ${Math.round(perSec)}/s of bound ${bound}/s (${((perSec / bound) * 100).toFixed(1)}%)`,
        );
      }
      client.close();
      return { steps };
    } finally {
      await p.close();
    }
  },
  report(runs) {
    const rows = STEPS.map((k) => {
      const of = runs.map((r) => r.steps.find((s) => s.processes === k)!);
      return {
        k,
        bound: of[0]!.bound,
        rate: summarize(of.map((s) => s.perSec)),
        ratio: summarize(of.map((s) => s.ratio)),
        loadGen: summarize(of.map((s) => s.loadGenCpuMsPerRequest)),
      };
    });
    // The headline ratio: every step of every run, median (each ratio is inside its own run).
    const all = summarize(runs.flatMap((r) => r.steps.map((s) => s.ratio)));
    const c = runs[0]?.steps[0]?.concurrency ?? 0;
    const svg = scalingChart({
      title: `Provider-bound throughput (${LATENCY_MS} ms provider, ${c} in flight per handler)`,
      xLabel: 'handler processes',
      yLabel: 'deliveries/s',
      points: rows.map((r) => ({ x: r.k, y: r.rate.median, lo: r.rate.min, hi: r.rate.max, bound: r.bound })),
    });
    writeFileSync(new URL('provider-bound.svg', RESULTS_DIR), svg);
    const markdown = [
      `### Provider-bound: ${LATENCY_MS} ms fake provider, ${c} concurrent deliveries per handler process`,
      '',
      "| handler processes | Little's-law bound, /s | measured deliveries/s, median (min–max, spread) | measured ÷ bound | load generator (harness) CPU ms per request |",
      '|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) => `| ${r.k} | ${fmt(r.bound)} | ${cell(r.rate)} | ${cell(r.ratio, 3)} | ${cell(r.loadGen, 3)} |`,
      ),
      '',
      `Median of all steps' ratios: ${all.median.toFixed(3)}. Runs: ${runs.length}. Chart: provider-bound.svg.`,
      '',
      '![provider-bound scaling](provider-bound.svg)',
    ].join('\n');
    return {
      json: {
        scenario: 'provider-bound',
        latencyMs: LATENCY_MS,
        concurrency: c,
        steps: rows,
        ratio: all,
        runs,
      },
      markdown,
      summary: {
        providerBoundRatio: all.median,
        ...Object.fromEntries(rows.map((r) => [`providerBoundRatio${r.k}`, r.ratio.median])),
      },
    };
  },
};

if (isMain(import.meta.url)) await runStandalone(providerBound);
