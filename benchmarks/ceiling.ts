// Scenario "ceiling": what this machine can do at all, measured in the same run as the rest.
// 1. Raw Redis Streams round trip: pipelined XADD + one consumer XREADGROUP COUNT 500 + XACK
//    (benchmarks/lib/stream-ceiling.ts, its own process).
// 2. A bare Hono endpoint doing one XADD per request (benchmarks/lib/hono-xadd-server.ts, its own
//    process), driven by the same load generator exactly as the ingest scenario drives
//    POST /v1/send (lib/http-load.ts: wrk when installed, else autocannon in its own process),
//    with the CPU of the generator, the server and Redis over the measured phase.
// Usage: npx tsx benchmarks/ceiling.ts [--runs=3] [--count=200000] [--seconds=5] [--connections=64]
//        [--loadgen=wrk|autocannon] [--wrk-threads=1]
import { runChild } from './lib/child.ts';
import { argNumber, freePort, isMain } from './lib/env.ts';
import { type HttpLoadResult, httpLoad } from './lib/http-load.ts';
import { badAnswers, httpRows } from './lib/http-report.ts';
import { tag } from './lib/platform.ts';
import { runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, summarize } from './lib/stats.ts';

export type CeilingRun = {
  stream: { count: number; seconds: number; perSec: number; produceSeconds: number };
  hono: HttpLoadResult;
};

/** The single-receiver body both the Hono ceiling and ingest get. */
export const singleBody = (templateId: number) =>
  JSON.stringify({
    templateId,
    messages: [{ receivers: ['ann@bench.example'], variables: { name: 'Ann', code: '123456' } }],
  });

/** Connections the load generator opens for single-receiver sends (ceiling and ingest alike). */
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
      const hono = await httpLoad({
        url: `http://127.0.0.1:${port}/v1/send`,
        apiKey: 'none',
        body: singleBody(1),
        connections: SINGLE_CONNECTIONS(),
        seconds: argNumber('seconds', 5),
        serverPid: server.pid,
        redis: ctx.redis,
      });
      const c = hono.cpu;
      ctx.log(
        `ceiling: hono+xadd ${Math.round(hono.rps)} req/s (${hono.generator}; cores: generator ${c.loadGenerator.cores.toFixed(2)}, server ${c.server.cores.toFixed(2)}, redis ${c.redis.cores.toFixed(2)})`,
      );
      return { stream, hono };
    } finally {
      await server.kill();
    }
  },
  report(runs) {
    const stream = summarize(runs.map((r) => r.stream.perSec));
    const hono = summarize(runs.map((r) => r.hono.rps));
    const markdown = [
      '### Ceiling (this machine, same run)',
      '',
      '| measure | median (min–max, spread) |',
      '|---|---:|',
      `| raw Redis Streams round trip, entries/s (pipelined XADD + XREADGROUP COUNT 500 + XACK, ${runs[0]?.stream.count} entries) | ${cell(stream)} |`,
      ...httpRows(
        'bare Hono + one XADD per request',
        runs.map((r) => r.hono),
      ),
      '',
      `Runs: ${runs.length}; non-2xx answers and errors over all runs: ${badAnswers(runs.map((r) => r.hono))}.`,
    ].join('\n');
    return {
      json: { scenario: 'ceiling', generator: runs[0]?.hono.generator, stream, hono, runs },
      markdown,
      summary: {
        ceilingStreamPerSec: stream.median,
        ceilingHonoXaddRps: hono.median,
        ...(runs[0] ? { loadGenerator: runs[0].hono.generator } : {}),
      },
    };
  },
};

if (isMain(import.meta.url)) await runStandalone(ceiling);
