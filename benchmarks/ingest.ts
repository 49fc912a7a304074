// Scenario "ingest": POST /v1/send on a real ingest process (no handler: only the accept path).
// 1. One receiver per request, many connections, the same load generator as the Hono ceiling
//    (lib/http-load.ts: wrk when installed, else autocannon in its own process).
// 2. 100 receivers per request: requests/s, deliveries/s, latency.
// Both with the CPU of the load generator, of ingest and of Redis over the measured phase.
// Usage: npx tsx benchmarks/ingest.ts [--runs=3] [--seconds=5] [--connections=64] [--batch-connections=16]
//        [--loadgen=wrk|autocannon]
import { SINGLE_CONNECTIONS, singleBody } from './ceiling.ts';
import { argNumber, isMain } from './lib/env.ts';
import { type HttpLoadResult, httpLoad } from './lib/http-load.ts';
import { badAnswers, httpRows } from './lib/http-report.ts';
import { benchPlatform, seedSandbox } from './lib/platform.ts';
import { runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, summarize } from './lib/stats.ts';

export type IngestRun = {
  single: HttpLoadResult;
  batch: HttpLoadResult & { receivers: number; deliveriesPerSec: number };
};

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
      const load = (body: string, connections: number) =>
        httpLoad({
          url: `${p.baseUrl}/v1/send`,
          apiKey,
          body,
          connections,
          seconds: argNumber('seconds', 5),
          serverPid: p.ingest!.child.pid!,
          redis: ctx.redis,
        });
      const single = await load(singleBody(tpl), SINGLE_CONNECTIONS());
      const c = single.cpu;
      ctx.log(
        `ingest: single ${Math.round(single.rps)} req/s p99 ${single.p99} ms (non-2xx ${single.non2xx}; ${single.generator} cores: generator ${c.loadGenerator.cores.toFixed(2)}, ingest ${c.server.cores.toFixed(2)}, redis ${c.redis.cores.toFixed(2)})`,
      );
      const b = await load(batchBody(tpl, BATCH), argNumber('batch-connections', 16));
      ctx.log(
        `ingest: batch ${Math.round(b.rps * BATCH)} deliveries/s p99 ${b.p99} ms (non-2xx ${b.non2xx})`,
      );
      return { single, batch: { ...b, receivers: BATCH, deliveriesPerSec: b.rps * BATCH } };
    } finally {
      await p.close();
    }
  },
  report(runs) {
    const sRps = summarize(runs.map((r) => r.single.rps));
    const bDps = summarize(runs.map((r) => r.batch.deliveriesPerSec));
    const markdown = [
      '### Ingest: POST /v1/send (one ingest process, accept path only)',
      '',
      '| measure | median (min–max, spread) |',
      '|---|---:|',
      ...httpRows(
        '1 receiver/request',
        runs.map((r) => r.single),
      ),
      ...httpRows(
        `${BATCH} receivers/request`,
        runs.map((r) => r.batch),
      ),
      `| ${BATCH} receivers/request: deliveries/s | ${cell(bDps)} |`,
      '',
      `Runs: ${runs.length}; non-2xx answers and errors over all runs: ${badAnswers(runs.flatMap((r) => [r.single, r.batch]))}.`,
    ].join('\n');
    return {
      json: {
        scenario: 'ingest',
        generator: runs[0]?.single.generator,
        single: { rps: sRps },
        batch: { deliveriesPerSec: bDps },
        runs,
      },
      markdown,
      summary: { ingestSingleRps: sRps.median, ingestBatchDeliveriesPerSec: bDps.median },
    };
  },
};

if (isMain(import.meta.url)) await runStandalone(ingest);
