// Scenario "telemetry": what tracing costs the send path. Alternating phases, telemetry off then
// on (default 4: off, on, off, on), each on fresh ingest + 1 handler + aggregator processes and a
// sandbox sink, with the e2e scenario's feeder (~20,000 deliveries queued, 100 receivers per
// request): after a 5 s warm-up, deliveries/s = growth of the folded `sent` counter over the
// window. "On" = OTEL_EXPORTER_OTLP_ENDPOINT at an in-process OTLP/HTTP receiver of the harness
// that counts and discards (so every process loads the SDK, samples at --telemetry-sample,
// batches and exports over HTTP in --telemetry-protocol, default http/protobuf), plus a /metrics
// scrape of ingest every second. Besides throughput, CPU ms per delivery of every process and
// redis-server: on a shared machine it moves much less with the neighbours' load. Ratio =
// on / off of adjacent phases (phases alternate so machine drift hits both sides alike).
// Usage: npx tsx benchmarks/telemetry.ts [--runs=1] [--telemetry-seconds=15]
//        [--telemetry-phases=4] [--telemetry-sample=1] [--telemetry-protocol=http/json];
//        or npm run bench -- --only=telemetry (not in the default rounds)
import { startOtlpReceiver } from '../pkg/testkit/otlp-receiver.ts';
import { argNumber, argString, isMain, procUsage, redisCpuSeconds, sleep } from './lib/env.ts';
import { backlogOf, foldedCount } from './lib/events.ts';
import { closedLoop, sendBodies, sendClient } from './lib/load.ts';
import { benchPlatform, seedSandbox } from './lib/platform.ts';
import { type BenchContext, runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, fmt, summarize } from './lib/stats.ts';

type Phase = {
  telemetry: boolean;
  perSec: number;
  seconds: number;
  /** OTLP export requests and bytes the receiver got during the phase (0 when off). */
  exports: number;
  exportBytes: number;
  /** /metrics scrapes that answered 200 (0 when off). */
  scrapes: number;
  /** CPU ms per delivery over the window: each process, redis-server, and their sum. */
  cpuMsPerDelivery: Record<string, number>;
};

export type TelemetryRun = { phases: Phase[]; sampleRatio: number; ratios: number[]; cpuRatios: number[] };

const ROUTE = 'sandbox.notice';
const QUEUE_TARGET = 20_000;
const PARTITIONS = 8;

async function phase(ctx: BenchContext, telemetry: boolean, seconds: number, sample: number): Promise<Phase> {
  const rx = telemetry ? await startOtlpReceiver({ discard: true }) : undefined;
  const env: Record<string, string> = rx
    ? {
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_TRACES_SAMPLER_ARG: String(sample),
        OTEL_EXPORTER_OTLP_PROTOCOL: argString('telemetry-protocol', 'http/protobuf'),
        // The SDK's defaults (5 s delay, 2048 queued, 512 per export) drop spans above ~400/s;
        // a larger queue and batch export everything this benchmark produces.
        OTEL_BSP_MAX_QUEUE_SIZE: '65536',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
        OTEL_BSP_SCHEDULE_DELAY: '1000',
      }
    : {};
  const p = await benchPlatform(ctx, { ingest: true, handlers: 1, aggregator: true, env });
  const { redis } = ctx;
  try {
    const { apiKey, templates } = await seedSandbox(p.admin, [{ messageType: 'notice' }]);
    const tpl = templates[0]!.id;
    const cfg = await p.admin.getConfig();
    await p.admin.putConfig({ ...cfg, concurrency: { [ROUTE]: 256 } });
    const stream = p.keys.stream(ROUTE);
    const client = sendClient(p.baseUrl, apiKey, 16);
    let backlog = 0;
    let feeding = true;
    const poll = (async () => {
      while (feeding) {
        backlog = await backlogOf(redis, stream, 'handlers');
        await sleep(100);
      }
    })();
    let scrapes = 0;
    const scrape = (async () => {
      while (feeding && telemetry) {
        const res = await fetch(`${p.baseUrl}/metrics`).catch(() => undefined);
        if (res?.ok) scrapes++;
        await res?.text();
        await sleep(1000);
      }
    })();
    const feed = closedLoop({
      client,
      body: sendBodies(tpl, 100, telemetry ? 'on' : 'off'),
      workers: 4,
      running: () => feeding,
      gate: () => backlog < QUEUE_TARGET,
    });
    await sleep(5000);
    const folded = () =>
      foldedCount({ redis, keys: p.keys, partitions: PARTITIONS, templateId: tpl, state: 'sent' });
    const pids = {
      ingest: p.ingest!.child.pid!,
      handler: p.handlers[0]!.child.pid!,
      aggregator: p.aggregator!.child.pid!,
    };
    const cpuNow = async (): Promise<Record<string, number>> => ({
      ...Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procUsage(pid)?.cpuSeconds ?? 0])),
      'redis-server': await redisCpuSeconds(redis),
    });
    const cpu0 = await cpuNow();
    const sent0 = await folded();
    const rx0 = rx?.stats() ?? { requests: 0, bytes: 0 };
    const scrapes0 = scrapes;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const sent1 = await folded();
    const cpu1 = await cpuNow();
    const elapsed = (performance.now() - t0) / 1000;
    const rx1 = rx?.stats() ?? { requests: 0, bytes: 0 };
    feeding = false;
    await Promise.all([feed, poll, scrape]);
    client.close();
    const delivered = Math.max(1, sent1 - sent0);
    const cpuMsPerDelivery: Record<string, number> = {};
    for (const k of Object.keys(cpu0)) cpuMsPerDelivery[k] = ((cpu1[k]! - cpu0[k]!) * 1000) / delivered;
    cpuMsPerDelivery.total = Object.values(cpuMsPerDelivery).reduce((a, b) => a + b, 0);
    const r: Phase = {
      cpuMsPerDelivery,
      telemetry,
      perSec: (sent1 - sent0) / elapsed,
      seconds: elapsed,
      exports: rx1.requests - rx0.requests,
      exportBytes: rx1.bytes - rx0.bytes,
      scrapes: scrapes - scrapes0,
    };
    ctx.log(
      `telemetry ${telemetry ? 'on ' : 'off'}: ${Math.round(r.perSec)} deliveries/s, ` +
        `CPU ms/delivery ${Object.entries(cpuMsPerDelivery)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(', ')}` +
        (telemetry
          ? `, ${r.exports} OTLP exports (${(r.exportBytes / 2 ** 20).toFixed(1)} MiB), ${r.scrapes} scrapes`
          : ''),
    );
    return r;
  } finally {
    await p.close();
    await rx?.close();
  }
}

export const telemetry: Scenario<TelemetryRun> = {
  name: 'telemetry',
  async runOnce(ctx) {
    const seconds = argNumber('telemetry-seconds', 15);
    const count = Math.max(2, argNumber('telemetry-phases', 4));
    const sampleRatio = argNumber('telemetry-sample', 1);
    const phases: Phase[] = [];
    for (let i = 0; i < count; i++) phases.push(await phase(ctx, i % 2 === 1, seconds, sampleRatio));
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let i = 1; i < phases.length; i += 2) {
      ratios.push(phases[i]!.perSec / phases[i - 1]!.perSec);
      cpuRatios.push(phases[i]!.cpuMsPerDelivery.total! / phases[i - 1]!.cpuMsPerDelivery.total!);
    }
    return { phases, sampleRatio, ratios, cpuRatios };
  },
  report(runs) {
    const off = summarize(runs.flatMap((r) => r.phases.filter((p) => !p.telemetry).map((p) => p.perSec)));
    const on = summarize(runs.flatMap((r) => r.phases.filter((p) => p.telemetry).map((p) => p.perSec)));
    const ratio = summarize(runs.flatMap((r) => r.ratios));
    const cpuRatio = summarize(runs.flatMap((r) => r.cpuRatios));
    const cpuOf = (on: boolean, k: string) =>
      summarize(
        runs.flatMap((r) =>
          r.phases.filter((p) => p.telemetry === on).map((p) => p.cpuMsPerDelivery[k] ?? 0),
        ),
      );
    const cpuKeys = Object.keys(runs[0]?.phases[0]?.cpuMsPerDelivery ?? {});
    const sample = runs[0]?.sampleRatio ?? 1;
    const markdown = [
      `### Telemetry cost: send path with tracing (sampling ${sample}) + metrics scrapes on vs off`,
      '',
      '| measure | median (min–max, spread) |',
      '|---|---:|',
      `| deliveries/s accept → sent → folded, telemetry off | ${cell(off)} |`,
      `| deliveries/s, telemetry on (OTLP export to a local discarding receiver, /metrics every 1 s) | ${cell(on)} |`,
      `| throughput on / off (adjacent phases) | ${cell(ratio, 3)} |`,
      ...cpuKeys.map(
        (k) =>
          `| CPU ms per delivery, ${k}: off / on | ${cell(cpuOf(false, k), 3)} / ${cell(cpuOf(true, k), 3)} |`,
      ),
      `| CPU per delivery (all processes + redis-server) on / off (adjacent phases) | ${cell(cpuRatio, 3)} |`,
      '',
      `Phases (in order): ${runs
        .flatMap((r) => r.phases.map((p) => `${p.telemetry ? 'on' : 'off'} ${fmt(p.perSec)}/s`))
        .join(', ')}; load average before/after per run: ${runs
        .map((r) => {
          const t = r as TelemetryRun & { load1?: { before: number; after: number } };
          return t.load1 ? `${t.load1.before.toFixed(2)}/${t.load1.after.toFixed(2)}` : '?';
        })
        .join(', ')}.`,
    ].join('\n');
    return { json: { scenario: 'telemetry', off, on, ratio, cpuRatio, runs }, markdown, summary: {} };
  },
};

if (isMain(import.meta.url)) await runStandalone(telemetry);
