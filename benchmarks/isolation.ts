// Scenario "isolation": verification codes (`auth`) keep their latency while a marketing flood
// waits. Routes have their own streams (sandbox.auth, sandbox.marketing) and their own slots in
// the handler. Per run, on real ingest + handler + aggregator processes:
// 1. unloaded: auth sends (1 receiver per request) at a fixed rate; accept→sent p99;
// 2. the handler is stopped, 200,000 marketing deliveries are queued through ingest, a fresh
//    handler starts on the flood; the same auth load runs again while it works through it;
// 3. the ratio loaded p99 ÷ unloaded p99 (target ≤ 2).
// Usage: npx tsx benchmarks/isolation.ts [--runs=3] [--flood=200000] [--auth-rate=200] [--auth-seconds=8]
//        [--marketing-concurrency=n] (default: the handler's default)
import { argNumber, isMain } from './lib/env.ts';
import { acceptToSent, backlogOf } from './lib/events.ts';
import { closedLoop, fixedRate, sendBodies, sendClient } from './lib/load.ts';
import { createBenchDb, type Platform, seedSandbox, startPlatform, until } from './lib/platform.ts';
import { runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, fmt, type LatencySummary, latencySummary, summarize } from './lib/stats.ts';

export type IsolationRun = {
  unloaded: LatencySummary;
  loaded: LatencySummary;
  ratio: number;
  flood: number;
  floodSeconds: number;
  /** Marketing deliveries still queued when the loaded auth phase ended (must be > 0). */
  floodLeft: number;
  authRate: number;
};

/** Auth sends at a fixed rate for `seconds`; accept→sent of those accepted after the first second. */
async function authPhase(
  p: Platform,
  redis: Parameters<typeof acceptToSent>[0]['redis'],
  client: ReturnType<typeof sendClient>,
  templateId: number,
  rate: number,
  seconds: number,
): Promise<LatencySummary> {
  const t0 = Date.now();
  await fixedRate({ client, body: sendBodies(templateId, 1, 'a'), rate, seconds, maxInFlight: 256 });
  const stream = p.keys.stream('sandbox.auth');
  await until('auth drained', 60_000, async () => (await backlogOf(redis, stream, 'handlers')) === 0);
  const { latencies } = await acceptToSent({
    redis,
    keys: p.keys,
    partitions: 8,
    from: t0 + 1000,
    to: t0 + seconds * 1000,
    templateId,
  });
  return latencySummary(latencies);
}

export const isolation: Scenario<IsolationRun> = {
  name: 'isolation',
  async runOnce(ctx) {
    const flood = argNumber('flood', 200_000);
    const authRate = argNumber('auth-rate', 200);
    const authSeconds = argNumber('auth-seconds', 8);
    const db = await createBenchDb(ctx.mysqlUrl);
    const p = await startPlatform({
      redisUrl: ctx.redisUrl,
      databaseUrl: db.url,
      redis: ctx.redis,
      ingest: true,
      handlers: 1,
      aggregator: true,
      env: { BACKPRESSURE_HIGH_WATER: '1000000000' },
    });
    try {
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
      ctx.log(`isolation: unloaded auth p50 ${unloaded.p50} p99 ${unloaded.p99} ms`);

      await p.stopHandlers();
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
      ctx.log(`isolation: ${queued} marketing deliveries queued in ${floodSeconds.toFixed(1)} s`);
      await p.addHandler();

      const loaded = await authPhase(p, ctx.redis, client, auth, authRate, authSeconds);
      const floodLeft = await backlogOf(ctx.redis, mStream, 'handlers');
      ctx.log(
        `isolation: loaded auth p50 ${loaded.p50} p99 ${loaded.p99} ms (${floodLeft} marketing still queued)`,
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
      await p.stop();
      await db.drop();
    }
  },
  report(runs) {
    const u50 = summarize(runs.map((r) => r.unloaded.p50));
    const u99 = summarize(runs.map((r) => r.unloaded.p99));
    const l50 = summarize(runs.map((r) => r.loaded.p50));
    const l99 = summarize(runs.map((r) => r.loaded.p99));
    const ratio = summarize(runs.map((r) => r.ratio));
    const left = summarize(runs.map((r) => r.floodLeft));
    const r0 = runs[0];
    const markdown = [
      `### Isolation: auth at ${r0?.authRate}/s while ${fmt(r0?.flood ?? 0)} marketing deliveries are queued`,
      '',
      '| measure | median (min–max, spread) |',
      '|---|---:|',
      `| auth accept→sent p50, unloaded, ms | ${cell(u50)} |`,
      `| auth accept→sent p99, unloaded, ms | ${cell(u99)} |`,
      `| auth accept→sent p50, during the flood, ms | ${cell(l50)} |`,
      `| auth accept→sent p99, during the flood, ms | ${cell(l99)} |`,
      `| p99 ratio flood ÷ unloaded (within each run) | ${cell(ratio, 2)} |`,
      `| marketing deliveries still queued when the auth phase ended | ${cell(left)} |`,
      '',
      `Runs: ${runs.length}; auth samples per phase ≈ ${r0?.loaded.count}.`,
    ].join('\n');
    return {
      json: {
        scenario: 'isolation',
        unloaded: { p50: u50, p99: u99 },
        loaded: { p50: l50, p99: l99 },
        ratio,
        runs,
      },
      markdown,
      summary: { isolationP99Ratio: ratio.median },
    };
  },
};

if (isMain(import.meta.url)) await runStandalone(isolation);
