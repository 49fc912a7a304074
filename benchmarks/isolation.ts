// Scenario "isolation": verification codes (`auth`) keep their latency while a marketing flood
// waits. Routes have their own streams (sandbox.auth, sandbox.marketing) and their own slots in
// the handler. Per run, on real ingest + handler + aggregator processes:
// 1. unloaded: auth sends (1 receiver per request) at a fixed rate; accept→sent p99;
// 2. the handler is stopped, 200,000 marketing deliveries are queued through ingest, a fresh
//    handler starts on the flood; the same auth load runs again while it works through it;
// 3. the ratio loaded p99 ÷ unloaded p99 (target ≤ 2).
// Two layouts, each on its own platform: one handler process for every route (the default), and
// a handler dedicated to verification codes (HANDLER_ROUTES=*.auth) beside one for the rest,
// which is restarted on the flood as above.
// Usage: npx tsx benchmarks/isolation.ts [--runs=3] [--flood=200000] [--auth-rate=200] [--auth-seconds=8]
//        [--marketing-concurrency=n] (default: the handler's default)
import { argNumber, isMain } from './lib/env.ts';
import { acceptedIds, acceptToSent, backlogOf } from './lib/events.ts';
import { closedLoop, fixedRate, sendBodies, sendClient } from './lib/load.ts';
import { benchPlatform, type Platform, seedSandbox, until } from './lib/platform.ts';
import { runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, fmt, type LatencySummary, latencySummary, summarize } from './lib/stats.ts';

/** One layout's measurement. */
export type IsolationMeasure = {
  unloaded: LatencySummary & { loadGenCpuMsPerRequest: number };
  loaded: LatencySummary & { loadGenCpuMsPerRequest: number };
  ratio: number;
  flood: number;
  floodSeconds: number;
  /** Marketing deliveries still queued when the loaded auth phase ended (must be > 0). */
  floodLeft: number;
  authRate: number;
};

/** The default layout's figures, and those of the layout with a dedicated auth handler. */
export type IsolationRun = IsolationMeasure & { dedicated: IsolationMeasure };

type Layout = 'shared' | 'dedicated';
/** HANDLER_ROUTES of the handler(s) that go on working through the flood, and of the auth one. */
const FLOOD_ROUTES = { HANDLER_ROUTES: '*.notice,*.marketing' };
const AUTH_ROUTES = { HANDLER_ROUTES: '*.auth' };

/** Auth sends at a fixed rate for `seconds`; accept→sent of those accepted after the first second. */
async function authPhase(
  p: Platform,
  redis: Parameters<typeof acceptToSent>[0]['redis'],
  client: ReturnType<typeof sendClient>,
  templateId: number,
  rate: number,
  seconds: number,
): Promise<LatencySummary & { loadGenCpuMsPerRequest: number }> {
  const from = performance.now() + 1000; // the first second is left out: ramp-up
  const ids: string[] = [];
  const load = await fixedRate({
    client,
    body: sendBodies(templateId, 1, 'a'),
    rate,
    seconds,
    maxInFlight: 256,
    onAccepted: (text, issuedAt) => {
      if (issuedAt >= from) ids.push(...acceptedIds(text));
    },
  });
  const stream = p.keys.stream('sandbox.auth');
  await until('auth drained', 60_000, async () => (await backlogOf(redis, stream, 'handlers')) === 0);
  const { latencies } = await acceptToSent({
    redis,
    keys: p.keys,
    partitions: 8,
    messageIds: ids,
  });
  return { ...latencySummary(latencies), loadGenCpuMsPerRequest: load.cpuMsPerRequest };
}

async function measure(
  ctx: Parameters<Scenario<IsolationRun>['runOnce']>[0],
  layout: Layout,
): Promise<IsolationMeasure> {
  const flood = argNumber('flood', 200_000);
  const authRate = argNumber('auth-rate', 200);
  const authSeconds = argNumber('auth-seconds', 8);
  const p = await benchPlatform(ctx, {
    ingest: true,
    handlers: 0,
    aggregator: true,
  });
  try {
    const floodHandler = () => p.addHandler(layout === 'dedicated' ? FLOOD_ROUTES : {});
    if (layout === 'dedicated') await p.addHandler(AUTH_ROUTES);
    let worker = await floodHandler();
    const { apiKey, templates } = await seedSandbox(p.admin, [
      { messageType: 'auth' },
      { messageType: 'marketing' },
    ]);
    const auth = templates[0]!.id;
    const marketing = templates[1]!.id;
    // The operator's lever: fewer marketing slots leave the handler's event loop to auth.
    const mc = argNumber('marketing-concurrency', 0);
    if (mc > 0) {
      const cfg = await p.admin.getConfig();
      await p.admin.putConfig({ ...cfg, concurrency: { 'sandbox.marketing': mc } });
    }
    const client = sendClient(p.baseUrl, apiKey, 16);

    const unloaded = await authPhase(p, ctx.redis, client, auth, authRate, authSeconds);
    ctx.log(`isolation (${layout}): unloaded auth p50 ${unloaded.p50} p99 ${unloaded.p99} ms`);

    await p.stopHandlers([worker]);
    const tf = performance.now();
    const deadline = Date.now() + 180_000;
    await closedLoop({
      client,
      body: sendBodies(marketing, 100, 'mk'),
      workers: 8,
      running: () => Date.now() < deadline,
      maxRequests: flood / 100,
    });
    const floodSeconds = (performance.now() - tf) / 1000;
    const mStream = p.keys.stream('sandbox.marketing');
    const queued = await backlogOf(ctx.redis, mStream, 'handlers');
    ctx.log(`isolation (${layout}): ${queued} marketing deliveries queued in ${floodSeconds.toFixed(1)} s`);
    worker = await floodHandler();

    const loaded = await authPhase(p, ctx.redis, client, auth, authRate, authSeconds);
    const floodLeft = await backlogOf(ctx.redis, mStream, 'handlers');
    ctx.log(
      `isolation (${layout}): loaded auth p50 ${loaded.p50} p99 ${loaded.p99} ms (${floodLeft} marketing still queued)`,
    );
    client.close();
    return {
      unloaded,
      loaded,
      ratio: loaded.p99 / unloaded.p99,
      flood: queued,
      floodSeconds,
      floodLeft,
      authRate,
    };
  } finally {
    await p.close();
  }
}

export const isolation: Scenario<IsolationRun> = {
  name: 'isolation',
  async runOnce(ctx) {
    const shared = await measure(ctx, 'shared');
    return { ...shared, dedicated: await measure(ctx, 'dedicated') };
  },
  report(runs) {
    const stats = (pick: (r: IsolationRun) => IsolationMeasure) => ({
      u50: summarize(runs.map((r) => pick(r).unloaded.p50)),
      u99: summarize(runs.map((r) => pick(r).unloaded.p99)),
      l50: summarize(runs.map((r) => pick(r).loaded.p50)),
      l99: summarize(runs.map((r) => pick(r).loaded.p99)),
      ratio: summarize(runs.map((r) => pick(r).ratio)),
      left: summarize(runs.map((r) => pick(r).floodLeft)),
      cpuU: summarize(runs.map((r) => pick(r).unloaded.loadGenCpuMsPerRequest)),
      cpuL: summarize(runs.map((r) => pick(r).loaded.loadGenCpuMsPerRequest)),
    });
    const shared = stats((r) => r);
    const dedicated = stats((r) => r.dedicated);
    const row = (name: string, f: (x: ReturnType<typeof stats>) => string) =>
      `| ${name} | ${f(shared)} | ${f(dedicated)} |`;
    const r0 = runs[0];
    const markdown = [
      `### Isolation: auth at ${r0?.authRate}/s while ${fmt(r0?.flood ?? 0)} marketing deliveries are queued`,
      '',
      '| measure, median (min–max, spread) | one handler for every route | auth handler (`HANDLER_ROUTES=*.auth`) + one for the rest |',
      '|---|---:|---:|',
      row('auth accept→sent p50, unloaded, ms', (x) => cell(x.u50)),
      row('auth accept→sent p99, unloaded, ms', (x) => cell(x.u99)),
      row('auth accept→sent p50, during the flood, ms', (x) => cell(x.l50)),
      row('auth accept→sent p99, during the flood, ms', (x) => cell(x.l99)),
      row('p99 ratio flood ÷ unloaded (within each run)', (x) => cell(x.ratio, 2)),
      row('marketing deliveries still queued when the auth phase ended', (x) => cell(x.left)),
      row(
        'load generator (harness) CPU ms per auth request, unloaded / flood',
        (x) => `${cell(x.cpuU, 3)} / ${cell(x.cpuL, 3)}`,
      ),
      '',
      `Runs: ${runs.length}; auth samples per phase ≈ ${r0?.loaded.count}.`,
    ].join('\n');
    return {
      json: {
        scenario: 'isolation',
        unloaded: { p50: shared.u50, p99: shared.u99 },
        loaded: { p50: shared.l50, p99: shared.l99 },
        ratio: shared.ratio,
        dedicated: {
          unloaded: { p50: dedicated.u50, p99: dedicated.u99 },
          loaded: { p50: dedicated.l50, p99: dedicated.l99 },
          ratio: dedicated.ratio,
        },
        runs,
      },
      markdown,
      summary: { isolationP99Ratio: shared.ratio.median, isolationDedicatedP99Ratio: dedicated.ratio.median },
    };
  },
};

if (isMain(import.meta.url)) await runStandalone(isolation);
