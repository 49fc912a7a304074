// Scenario "ceiling": what this machine can do at all, measured in the same run as the rest.
// 1. Raw Redis Streams round trip: pipelined XADD + one consumer XREADGROUP COUNT 500 + XACK
//    (benchmarks/lib/stream-ceiling.ts, its own process).
// 2. A bare Hono endpoint doing one XADD per request (benchmarks/lib/hono-xadd-server.ts, its own
//    process), driven by autocannon exactly as the ingest scenario drives POST /v1/send.
// Usage: npx tsx benchmarks/ceiling.ts [--runs=3] [--count=200000] [--seconds=5] [--connections=64]

import { cannon } from './lib/cannon.ts';
import { runChild } from './lib/child.ts';
import { argNumber, freePort, isMain } from './lib/env.ts';
import { tag } from './lib/platform.ts';
import { runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, summarize } from './lib/stats.ts';

export type CeilingRun = {
  stream: { count: number; seconds: number; perSec: number; produceSeconds: number };
  hono: { rps: number; p50: number; p99: number; non2xx: number; errors: number; connections: number };
};

/** The single-receiver body both the Hono ceiling and ingest get. */
export const singleBody = (templateId: number) =>
  JSON.stringify({
    templateId,
    messages: [{ receivers: ['ann@bench.example'], variables: { name: 'Ann', code: '123456' } }],
  });

/** Connections autocannon opens for single-receiver sends (ceiling and ingest alike). */
export const SINGLE_CONNECTIONS = () => argNumber('connections', 64);

export const ceiling: Scenario<CeilingRun> = {
  name: 'ceiling',
  async runOnce(ctx) {
    const count = argNumber('count', 200_000);
    const s = runChild('stream-ceiling.ts', [
      `--count=${count}`,
      `--prefix=bench-ceil-${tag()}:`,
      `--redis-url=${ctx.redisUrl}`,
    ]);
    const stream = await s.firstJson<CeilingRun['stream']>();
    await s.exited;
    ctx.log(`ceiling: stream round trip ${Math.round(stream.perSec)}/s`);

    const port = await freePort();
    const server = runChild('hono-xadd-server.ts', [
      `--port=${port}`,
      `--prefix=bench-hono-${tag()}:`,
      `--redis-url=${ctx.redisUrl}`,
    ]);
    try {
      await server.firstJson();
      const connections = SINGLE_CONNECTIONS();
      const r = await cannon({
        url: `http://127.0.0.1:${port}/v1/send`,
        apiKey: 'none',
        body: singleBody(1),
        connections,
        seconds: argNumber('seconds', 5),
      });
      ctx.log(`ceiling: hono+xadd ${Math.round(r.rps)} req/s`);
      return {
        stream,
        hono: { rps: r.rps, p50: r.p50, p99: r.p99, non2xx: r.non2xx, errors: r.errors, connections },
      };
    } finally {
      await server.kill();
    }
  },
  report(runs) {
    const stream = summarize(runs.map((r) => r.stream.perSec));
    const hono = summarize(runs.map((r) => r.hono.rps));
    const p50 = summarize(runs.map((r) => r.hono.p50));
    const p99 = summarize(runs.map((r) => r.hono.p99));
    const markdown = [
      '### Ceiling (this machine, same run)',
      '',
      '| measure | median (min–max, spread) |',
      '|---|---:|',
      `| raw Redis Streams round trip, entries/s (pipelined XADD + XREADGROUP COUNT 500 + XACK, ${runs[0]?.stream.count} entries) | ${cell(stream)} |`,
      `| bare Hono + one XADD per request, req/s (autocannon, ${runs[0]?.hono.connections} connections) | ${cell(hono)} |`,
      `| bare Hono + XADD latency p50, ms | ${cell(p50)} |`,
      `| bare Hono + XADD latency p99, ms | ${cell(p99)} |`,
      '',
      `Runs: ${runs.length}.`,
    ].join('\n');
    return {
      json: { scenario: 'ceiling', stream, hono, honoP50: p50, honoP99: p99, runs },
      markdown,
      summary: { ceilingStreamPerSec: stream.median, ceilingHonoXaddRps: hono.median },
    };
  },
};

if (isMain(import.meta.url)) await runStandalone(ceiling);
