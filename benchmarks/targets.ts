// The targets `npm run bench` checks (issue 10; isolation kept from issue 6), computed from the
// runs of one `npm run bench`: every ratio is taken inside one round (round i of each scenario),
// its median over the rounds.
import type { CeilingRun } from './ceiling.ts';
import type { E2eRun } from './e2e.ts';
import type { IngestRun } from './ingest.ts';
import type { IsolationRun } from './isolation.ts';
import type { SummaryKey } from './lib/results.ts';
import { cell, type RunSummary, summarize } from './lib/stats.ts';
import type { PeerRun } from './peer.ts';
import type { ProviderRun } from './provider-bound.ts';

/** One row of a targets table. */
export type Target = Readonly<{
  name: string;
  value: RunSummary | undefined;
  goal: string;
  /** Undefined for a figure the issue asks to state, with no goal. */
  met: ((v: number) => boolean) | undefined;
  digits: number;
  /** The summary.json key this target's median is written under, if any. */
  key?: SummaryKey;
}>;

/** Every run of each scenario of one `npm run bench`, in round order. */
export type RoundRuns = Readonly<{
  ceiling?: readonly CeilingRun[];
  peer?: readonly PeerRun[];
  ingest?: readonly IngestRun[];
  e2e?: readonly E2eRun[];
  providerBound?: readonly ProviderRun[];
  isolation?: readonly IsolationRun[];
}>;

/** f(a[i], b[i]) for every round i both have (and `same` allows), summarised over the rounds. */
function perRound<A, B>(
  a: readonly A[] | undefined,
  b: readonly B[] | undefined,
  f: (x: A, y: B) => number,
  same: (x: A, y: B) => boolean = () => true,
): RunSummary | undefined {
  if (!a?.length || !b?.length) return undefined;
  const n = Math.min(a.length, b.length);
  const values: number[] = [];
  for (let i = 0; i < n; i++) if (same(a[i]!, b[i]!)) values.push(f(a[i]!, b[i]!));
  return values.length ? summarize(values) : undefined;
}

/** A per-run figure summarised over the runs that have it. */
function over<R>(runs: readonly R[] | undefined, f: (r: R) => number | undefined): RunSummary | undefined {
  const values = (runs ?? []).map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return values.length ? summarize(values) : undefined;
}

/** The rate of the latency target, deliveries/s. */
const AT = 5000;

/**
 * The targets of issue 10 on this machine, from one `npm run bench`'s runs.
 *
 * @example const rows = issue10Targets({ ceiling: ceilingRuns, e2e: e2eRuns });
 */
export function issue10Targets(r: RoundRuns): Target[] {
  const at5k = (e: E2eRun) => e.latency.find((l) => l.offeredPerSec === AT);
  const provider = (k: number): Target => ({
    name: `provider-bound (100 ms fake provider) throughput ÷ Little's-law bound, ${k} handler${k > 1 ? 's' : ''}`,
    value: over(r.providerBound, (p) => p.steps.find((s) => s.processes === k)?.ratio),
    goal: '≥ 0.90',
    met: (v) => v >= 0.9,
    digits: 3,
  });
  return [
    {
      name: 'end-to-end traced deliveries/s ÷ BullMQ peer jobs/s',
      value: perRound(r.e2e, r.peer, (e, p) => e.throughput.perSec / p.perSec),
      goal: '≥ 2',
      met: (v) => v >= 2,
      digits: 2,
      key: 'e2eVsBullmq',
    },
    {
      name: 'end-to-end traced deliveries/s ÷ raw Redis Streams round trip',
      value: perRound(r.e2e, r.ceiling, (e, c) => e.throughput.perSec / c.stream.perSec),
      goal: '≥ 0.25',
      met: (v) => v >= 0.25,
      digits: 3,
      key: 'e2eVsStreams',
    },
    {
      name: `single-receiver ingest req/s ÷ bare Hono+XADD req/s (same load generator: ${r.ceiling?.[0]?.hono.generator ?? '?'})`,
      value: perRound(
        r.ingest,
        r.ceiling,
        (i, c) => i.single.rps / c.hono.rps,
        (i, c) => i.single.generator === c.hono.generator,
      ),
      goal: '≥ 0.70',
      met: (v) => v >= 0.7,
      digits: 3,
      key: 'ingestVsHonoXadd',
    },
    {
      name: `accept→sent p99 at ${AT.toLocaleString('en-US')} deliveries/s offered, ms`,
      value: over(r.e2e, (e) => at5k(e)?.p99),
      goal: '≤ 20',
      met: (v) => v <= 20,
      digits: 1,
    },
    {
      name: `accept→sent p99.9 at ${AT.toLocaleString('en-US')} deliveries/s offered, ms`,
      value: over(r.e2e, (e) => at5k(e)?.p999),
      goal: 'stated',
      met: undefined,
      digits: 1,
    },
    provider(1),
    provider(2),
    provider(4),
    {
      name: 'Redis bytes per queued delivery (all its keys)',
      value: over(r.e2e, (e) => e.memory.bytesPerDelivery),
      goal: '≤ 600',
      met: (v) => v <= 600,
      digits: 0,
    },
    {
      name: 'handler RSS under the end-to-end load (max over the window), MB',
      value: over(r.e2e, (e) => e.throughput.handlerRssMaxMb),
      goal: '≤ 150',
      met: (v) => v <= 150,
      digits: 0,
    },
  ];
}

/**
 * The isolation targets of issue 6, still measured.
 *
 * @example const rows = isolationTargets(isolationRuns);
 */
export function isolationTargets(runs: readonly IsolationRun[] | undefined): Target[] {
  const row = (layout: string, ratio: (r: IsolationRun) => number): Target => ({
    name: `auth p99 during a 200k marketing flood ÷ unloaded, ${layout}`,
    value: over(runs, ratio),
    goal: '≤ 2',
    met: (v) => v <= 2,
    digits: 2,
  });
  return [
    row('one handler for every route', (r) => r.ratio),
    row('a dedicated auth handler (`HANDLER_ROUTES=*.auth`)', (r) => r.dedicated.ratio),
  ];
}

/**
 * A Markdown targets table (rows without a value left out; none: no table).
 *
 * @example targetsTable('target (issue 10)', issue10Targets(runs)).join('\n')
 */
export function targetsTable(header: string, targets: readonly Target[]): string[] {
  const rows = targets.filter((t) => t.value);
  if (!rows.length) return [];
  return [
    `| ${header} | measured: median (min–max, spread) over rounds | goal | met |`,
    '|---|---:|---:|:---:|',
    ...rows.map((t) => {
      const met = t.met ? (t.met(t.value!.median) ? 'yes' : '**no**') : '—';
      return `| ${t.name} | ${cell(t.value!, t.digits)} | ${t.goal} | ${met} |`;
    }),
  ];
}

/**
 * The per-round ratio medians for summary.json (`e2eVsBullmq`, `e2eVsStreams`, `ingestVsHonoXadd`).
 *
 * @example await updateSummary(redis, ratioKeys(targets));
 */
export function ratioKeys(targets: readonly Target[]): Partial<Record<SummaryKey, number>> {
  return Object.fromEntries(
    targets.filter((t) => t.key && t.value).map((t) => [t.key!, t.value!.median]),
  ) as Partial<Record<SummaryKey, number>>;
}

/**
 * One sentence on the load generator of the closed-loop HTTP phases and its CPU next to the
 * server's (median cores busy over the rounds), so a reader sees it was not the limit.
 *
 * @example loadGeneratorNote(runs) // 'Load generator: wrk; bare Hono+XADD: wrk 0.05 cores vs server 0.85, …'
 */
export function loadGeneratorNote(r: RoundRuns): string {
  const parts: string[] = [];
  const shot = (label: string, shots: readonly { cpu: CeilingRun['hono']['cpu'] }[] | undefined) => {
    if (!shots?.length) return;
    const m = (f: (c: CeilingRun['hono']['cpu']) => number) => summarize(shots.map((s) => f(s.cpu))).median;
    parts.push(
      `${label}: generator ${m((c) => c.loadGenerator.cores).toFixed(2)} cores ` +
        `(${m((c) => c.loadGenerator.msPerRequest).toFixed(3)} ms/request) vs server ${m((c) => c.server.cores).toFixed(2)} ` +
        `(${m((c) => c.server.msPerRequest).toFixed(3)} ms/request), Redis ${m((c) => c.redis.cores).toFixed(2)}`,
    );
  };
  shot(
    'bare Hono+XADD',
    r.ceiling?.map((c) => c.hono),
  );
  shot(
    'single-receiver ingest',
    r.ingest?.map((i) => i.single),
  );
  const gen = r.ceiling?.[0]?.hono.generator ?? r.ingest?.[0]?.single.generator;
  return gen
    ? `Load generator of the closed-loop HTTP phases: ${gen} (own process); ${parts.join('; ')}.`
    : '';
}
