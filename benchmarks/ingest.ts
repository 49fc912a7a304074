// Scenario "ingest": POST /v1/send on a real ingest process (no handler: only the accept path).
// 1. One receiver per request, autocannon with many connections (as the Hono ceiling).
// 2. 100 receivers per request: requests/s, deliveries/s, latency.
// Usage: npx tsx benchmarks/ingest.ts [--runs=3] [--seconds=5] [--connections=64] [--batch-connections=16]
import { SINGLE_CONNECTIONS, singleBody } from './ceiling.ts';
import { cannon } from './lib/cannon.ts';
import { argNumber, isMain } from './lib/env.ts';
import { benchPlatform, seedSandbox } from './lib/platform.ts';
import { runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, summarize } from './lib/stats.ts';

type Shot = { rps: number; p50: number; p99: number; non2xx: number; errors: number; connections: number };
export type IngestRun = { single: Shot; batch: Shot & { receivers: number; deliveriesPerSec: number } };

const BATCH = 100;

/** A body of `n` receivers in one message. */
const batchBody = (templateId: number, n: number) =>
  JSON.stringify({
    templateId,
    messages: [
      {
        receivers: Array.from({ length: n }, (_, i) => `r${i}@bench.example`),
        variables: { name: 'Ann', code: '123456' },
      },
    ],
  });

export const ingest: Scenario<IngestRun> = {
  name: 'ingest',
  async runOnce(ctx) {
    const p = await benchPlatform(ctx, {
      ingest: true,
      handlers: 0,
      ...(ctx.profileDir ? { profileDir: `${ctx.profileDir}/ingest-scenario` } : {}),
    });
    try {
      const { apiKey, templates } = await seedSandbox(p.admin, [{ messageType: 'notice' }]);
      const tpl = templates[0]!.id;
      const url = `${p.baseUrl}/v1/send`;
      const seconds = argNumber('seconds', 5);
      const connections = SINGLE_CONNECTIONS();
      const s = await cannon({ url, apiKey, body: singleBody(tpl), connections, seconds });
      ctx.log(`ingest: single ${Math.round(s.rps)} req/s p99 ${s.p99} ms (non-2xx ${s.non2xx})`);
      const bc = argNumber('batch-connections', 16);
      const b = await cannon({ url, apiKey, body: batchBody(tpl, BATCH), connections: bc, seconds });
      ctx.log(
        `ingest: batch ${Math.round(b.rps * BATCH)} deliveries/s p99 ${b.p99} ms (non-2xx ${b.non2xx})`,
      );
      return {
        single: { rps: s.rps, p50: s.p50, p99: s.p99, non2xx: s.non2xx, errors: s.errors, connections },
        batch: {
          rps: b.rps,
          p50: b.p50,
          p99: b.p99,
          non2xx: b.non2xx,
          errors: b.errors,
          connections: bc,
          receivers: BATCH,
          deliveriesPerSec: b.rps * BATCH,
        },
      };
    } finally {
      await p.close();
    }
  },
  report(runs) {
    const sRps = summarize(runs.map((r) => r.single.rps));
    const sP50 = summarize(runs.map((r) => r.single.p50));
    const sP99 = summarize(runs.map((r) => r.single.p99));
    const bRps = summarize(runs.map((r) => r.batch.rps));
    const bDps = summarize(runs.map((r) => r.batch.deliveriesPerSec));
    const bP50 = summarize(runs.map((r) => r.batch.p50));
    const bP99 = summarize(runs.map((r) => r.batch.p99));
    const bad = runs.reduce(
      (n, r) => n + r.single.non2xx + r.batch.non2xx + r.single.errors + r.batch.errors,
      0,
    );
    const r0 = runs[0];
    const markdown = [
      '### Ingest: POST /v1/send (one ingest process, accept path only)',
      '',
      '| measure | median (min–max, spread) |',
      '|---|---:|',
      `| 1 receiver/request: requests/s (autocannon, ${r0?.single.connections} connections) | ${cell(sRps)} |`,
      `| 1 receiver/request: latency p50 / p99, ms | ${cell(sP50)} / ${cell(sP99)} |`,
      `| ${BATCH} receivers/request: requests/s (${r0?.batch.connections} connections) | ${cell(bRps)} |`,
      `| ${BATCH} receivers/request: deliveries/s | ${cell(bDps)} |`,
      `| ${BATCH} receivers/request: latency p50 / p99, ms | ${cell(bP50)} / ${cell(bP99)} |`,
      '',
      `Runs: ${runs.length}; non-2xx answers and errors over all runs: ${bad}.`,
    ].join('\n');
    return {
      json: {
        scenario: 'ingest',
        single: { rps: sRps, p50: sP50, p99: sP99 },
        batch: { rps: bRps, deliveriesPerSec: bDps, p50: bP50, p99: bP99 },
        runs,
      },
      markdown,
      summary: { ingestSingleRps: sRps.median, ingestBatchDeliveriesPerSec: bDps.median },
    };
  },
};

if (isMain(import.meta.url)) await runStandalone(ingest);
