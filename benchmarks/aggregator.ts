// Aggregator throughput: lifecycle events folded per second with 1 and 2 aggregator processes.
// Usage: npx tsx benchmarks/aggregator.ts [--events=200000] [--partitions=8] (writes results/aggregator.*)
// Each run: pre-writes synthetic events (a realistic mix of outcomes) to the partitioned event
// streams on a fresh key prefix, starts the aggregator process(es) (services/aggregator/main.ts),
// and measures from the moment the partitions are evenly leased until every event is folded.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../pkg/config/config.ts';
import { createKeys, type Keys } from '../pkg/redis/keys.ts';
import { spawnAggregator } from '../pkg/stats/aggregator-process.ts';
import { eventLag } from '../pkg/stats/lag.ts';
import { partitionLeaseName } from '../pkg/stats/leases.ts';
import { interleave, syntheticMessages, writeEvents } from '../pkg/testkit/synthetic-events.ts';
import { argNumber, isMain } from './lib/env.ts';
import { readSummary, writeResult } from './lib/results.ts';

export type AggregatorBenchRow = {
  processes: number;
  events: number;
  /** Time the pipelined writes of all events took (the processes were paused meanwhile). */
  writeSeconds: number;
  seconds: number;
  perSecond: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Partitions held per owner id. */
async function leaseCounts(redis: Redis, keys: Keys, partitions: number): Promise<number[]> {
  const owners = new Map<string, number>();
  for (let p = 0; p < partitions; p++) {
    const v = await redis.get(keys.lease(partitionLeaseName(p)));
    if (v) owners.set(v, (owners.get(v) ?? 0) + 1);
  }
  return [...owners.values()];
}

async function dropPrefix(redis: Redis, prefix: string) {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    if (found.length) await redis.unlink(...found);
  } while (cursor !== '0');
}

/**
 * One measurement with `processes` aggregator processes.
 *
 * @example const row = await benchAggregator({ redisUrl, processes: 2, events: 200_000, partitions: 8 });
 */
export async function benchAggregator(opts: {
  redisUrl: string;
  processes: number;
  events: number;
  partitions: number;
}): Promise<AggregatorBenchRow> {
  const prefix = `bench-agg-${randomBytes(4).toString('hex')}:`;
  const keys = createKeys(prefix);
  const redis = new Redis(opts.redisUrl);
  const { partitions } = opts;
  // ~3.5 events per delivery in the synthetic mix: generate a few more, cut to the count.
  const messages = syntheticMessages({
    count: Math.ceil(opts.events / 3.2),
    startMs: Date.now() - 3_600_000,
    spanMs: 3_600_000,
    templates: 20,
  });
  const events = interleave(messages).slice(0, opts.events);
  // The processes start on empty partitions and take their leases; then they are paused
  // (SIGSTOP), the events are written, and they are resumed (SIGCONT) with the clock started.
  // So every process folds from the first event (on a backlog written before they start, the
  // first process would fold much of it alone before the second took its share), and the
  // writes do not compete with the folding for the two cores. Leases outlive the pause.
  const procs = Array.from({ length: opts.processes }, () =>
    spawnAggregator({ prefix, redisUrl: opts.redisUrl, partitions, leaseMs: 30_000 }),
  );
  try {
    const share = Math.ceil(partitions / opts.processes);
    const until = Date.now() + 90_000;
    for (;;) {
      const counts = await leaseCounts(redis, keys, partitions);
      if (counts.length === opts.processes && counts.every((c) => c <= share)) break;
      if (Date.now() > until) throw new Error(`leases never balanced: ${JSON.stringify(counts)}`);
      await sleep(20);
    }
    for (const p of procs) p.child.kill('SIGSTOP');
    const w0 = performance.now();
    await writeEvents(redis, keys, partitions, events, 2000);
    const writeSeconds = (performance.now() - w0) / 1000;
    const t0 = performance.now();
    for (const p of procs) p.child.kill('SIGCONT');
    for (;;) {
      if ((await eventLag({ redis, keys, partitions })).total === 0) break;
      if (performance.now() - t0 > 300_000) throw new Error('events not folded within 5 minutes');
      await sleep(20);
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      processes: opts.processes,
      events: events.length,
      writeSeconds,
      seconds,
      perSecond: events.length / seconds,
    };
  } finally {
    for (const p of procs) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGTERM');
    }
    await Promise.all(procs.map((p) => p.exited));
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
}

/**
 * Markdown section of the rows with the 2-proc/1-proc ratio, and beside them the event rate the
 * send path produced (when its end-to-end deliveries/s are known).
 *
 * @example console.log(formatAggregatorBench([row1, row2], 2800));
 */
export function formatAggregatorBench(rows: AggregatorBenchRow[], sendPathDeliveriesPerSec?: number): string {
  const lines = [
    '### Aggregator: events folded per second',
    '',
    '| aggregator processes | events | writing them took, s (paused) | folding them took, s | events folded / s |',
    '|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.processes} | ${r.events} | ${r.writeSeconds.toFixed(2)} | ${r.seconds.toFixed(2)} | ${Math.round(r.perSecond)} |`,
    ),
  ];
  const one = rows.find((r) => r.processes === 1);
  const two = rows.find((r) => r.processes === 2);
  if (one && two) lines.push('', `ratio 2-proc / 1-proc: ${(two.perSecond / one.perSecond).toFixed(2)}`);
  if (sendPathDeliveriesPerSec) {
    // A delivery sent without incident emits three events: accepted, sending, sent.
    const produced = sendPathDeliveriesPerSec * 3;
    lines.push(
      '',
      `The send path of this run produces ≈${Math.round(produced)} events/s (end-to-end ${Math.round(sendPathDeliveriesPerSec)} deliveries/s × 3 events): one aggregator folds ${one ? (one.perSecond / produced).toFixed(1) : '?'}× that.`,
    );
  }
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const { redisUrl } = loadConfig();
  const events = argNumber('events', 200_000);
  const partitions = argNumber('partitions', 8);
  const rows: AggregatorBenchRow[] = [];
  for (const processes of [1, 2])
    rows.push(await benchAggregator({ redisUrl, processes, events, partitions }));
  const e2e = readSummary().e2ePerSec;
  const md = formatAggregatorBench(rows, typeof e2e === 'number' ? e2e : undefined);
  writeResult('aggregator', { scenario: 'aggregator', events, partitions, rows }, md);
  console.log(md);
}
