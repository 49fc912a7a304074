// Aggregator throughput: lifecycle events folded per second with 1 and 2 aggregator processes.
// Usage: npx tsx benchmarks/aggregator.ts [--events=200000] [--partitions=8]
// Each run: pre-writes synthetic events (a realistic mix of outcomes) to the partitioned event
// streams on a fresh key prefix, starts the aggregator process(es) (services/aggregator/main.ts),
// and measures from the moment the partitions are evenly leased until every event is folded.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../pkg/config/config.ts';
import { createKeys, type Keys } from '../pkg/keys/keys.ts';
import { spawnAggregator } from '../pkg/stats/aggregator-process.ts';
import { eventLag } from '../pkg/stats/lag.ts';
import { partitionLeaseName } from '../pkg/stats/leases.ts';
import { interleave, syntheticMessages, writeEvents } from '../pkg/stats/synthetic.ts';

export type AggregatorBenchRow = {
  processes: number;
  events: number;
  measured: number;
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
  await writeEvents(redis, keys, partitions, events, 2000);
  const procs = Array.from({ length: opts.processes }, () =>
    spawnAggregator({ prefix, redisUrl: opts.redisUrl, partitions, leaseMs: 3000 }),
  );
  try {
    const share = Math.ceil(partitions / opts.processes);
    const until = Date.now() + 60_000;
    for (;;) {
      const counts = await leaseCounts(redis, keys, partitions);
      if (counts.length === opts.processes && counts.every((c) => c <= share)) break;
      if (Date.now() > until) throw new Error(`leases never balanced: ${JSON.stringify(counts)}`);
      await sleep(20);
    }
    const t0 = performance.now();
    const lag0 = (await eventLag({ redis, keys, partitions })).total;
    if (lag0 < events.length * 0.2)
      throw new Error(`too few events left to measure (${lag0}); raise --events`);
    for (;;) {
      if ((await eventLag({ redis, keys, partitions })).total === 0) break;
      await sleep(20);
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      processes: opts.processes,
      events: events.length,
      measured: lag0,
      seconds,
      perSecond: lag0 / seconds,
    };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
}

/**
 * Markdown table of the rows with the 2-proc/1-proc ratio.
 *
 * @example console.log(formatAggregatorBench([row1, row2]));
 */
export function formatAggregatorBench(rows: AggregatorBenchRow[]): string {
  const lines = [
    '| aggregator processes | events written | events measured | seconds | events folded / s |',
    '|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.processes} | ${r.events} | ${r.measured} | ${r.seconds.toFixed(2)} | ${Math.round(r.perSecond)} |`,
    ),
  ];
  const one = rows.find((r) => r.processes === 1);
  const two = rows.find((r) => r.processes === 2);
  if (one && two) lines.push('', `ratio 2-proc / 1-proc: ${(two.perSecond / one.perSecond).toFixed(2)}`);
  return lines.join('\n');
}

const arg = (name: string, def: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
};

if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) {
  const { redisUrl } = loadConfig();
  const events = arg('events', 200_000);
  const partitions = arg('partitions', 8);
  const rows: AggregatorBenchRow[] = [];
  for (const processes of [1, 2])
    rows.push(await benchAggregator({ redisUrl, processes, events, partitions }));
  console.log(formatAggregatorBench(rows));
  console.log(JSON.stringify({ benchmark: 'aggregator', partitions, rows }));
}
