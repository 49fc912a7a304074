// Scenario "peer": the same job on BullMQ (bulk add + a worker with a no-op send), what a team
// would build instead of adopting the platform (benchmarks/lib/bullmq-peer.ts, its own process).
// Usage: npx tsx benchmarks/peer.ts [--runs=3] [--peer-count=50000] [--peer-concurrency=100]
import { runChild } from './lib/child.ts';
import { argNumber, isMain } from './lib/env.ts';
import { tag } from './lib/platform.ts';
import { runStandalone, type Scenario } from './lib/scenario.ts';
import { cell, summarize } from './lib/stats.ts';

export type PeerRun = { count: number; seconds: number; perSec: number; concurrency: number };

export const peer: Scenario<PeerRun> = {
  name: 'peer',
  async runOnce(ctx) {
    const c = runChild('bullmq-peer.ts', [
      `--count=${argNumber('peer-count', 50_000)}`,
      `--concurrency=${argNumber('peer-concurrency', 100)}`,
      `--prefix=bench-bull-${tag()}`,
      `--redis-url=${ctx.redisUrl}`,
    ]);
    const r = await c.firstJson<PeerRun>();
    await c.exited;
    ctx.log(`peer: bullmq ${Math.round(r.perSec)} jobs/s`);
    return r;
  },
  report(runs) {
    const rate = summarize(runs.map((r) => r.perSec));
    const markdown = [
      '### Peer: BullMQ (same machine, same run)',
      '',
      '| measure | median (min–max, spread) |',
      '|---|---:|',
      `| BullMQ jobs/s, addBulk + Worker no-op (${runs[0]?.count} jobs, concurrency ${runs[0]?.concurrency}) | ${cell(rate)} |`,
      '',
      `Runs: ${runs.length}.`,
    ].join('\n');
    return { json: { scenario: 'peer', rate, runs }, markdown, summary: { bullmqPerSec: rate.median } };
  },
};

if (isMain(import.meta.url)) await runStandalone(peer);
