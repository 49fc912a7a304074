// Child process: the peer — the same job built on BullMQ, as a team would write it instead of
// adopting the platform. A producer adds `count` delivery-sized jobs with addBulk (chunks of
// 1000) while a Worker in the same process runs a no-op send at `concurrency`; measured from
// the first add until every job completed. Completed jobs are pruned (removeOnComplete: 1000),
// the usual production setting. Prints one JSON line: { count, seconds, perSec }.
// Usage: node --import tsx benchmarks/lib/bullmq-peer.ts --prefix=<p> [--count=50000] [--concurrency=100]
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { argNumber, argString, benchEnv, dropPrefix } from './env.ts';

async function main() {
  const { redisUrl } = benchEnv();
  const count = argNumber('count', 50_000);
  const concurrency = argNumber('concurrency', 100);
  const prefix = argString('prefix', 'bench-bullmq');
  const connection = () => new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queueConn = connection();
  const workerConn = connection();
  const queue = new Queue('deliveries', { connection: queueConn, prefix });
  let completed = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const worker = new Worker(
    'deliveries',
    async () => {
      // The no-op send.
    },
    { connection: workerConn, prefix, concurrency, autorun: false },
  );
  worker.on('completed', () => {
    completed++;
    if (completed === count) resolveDone();
  });
  worker.on('error', (err) => process.stderr.write(`worker error: ${err.message}\n`));
  await worker.waitUntilReady();
  const t0 = performance.now();
  void worker.run();
  const chunk = 1000;
  for (let i = 0; i < count; i += chunk) {
    const jobs = [];
    for (let j = i; j < Math.min(count, i + chunk); j++) {
      jobs.push({
        name: 'send',
        data: {
          id: `01K${String(j).padStart(23, '0')}`,
          tpl: 1,
          rcv: `r${j}@bench.example`,
          vars: { name: 'Ann', code: '123456' },
          at: Date.now(),
        },
        opts: { removeOnComplete: 1000, removeOnFail: 5000 },
      });
    }
    await queue.addBulk(jobs);
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await worker.close();
  await queue.close();
  const cleaner = connection();
  await dropPrefix(cleaner, `${prefix}:`);
  cleaner.disconnect();
  queueConn.disconnect();
  workerConn.disconnect();
  process.stdout.write(`${JSON.stringify({ count, seconds, perSec: count / seconds, concurrency })}\n`);
}

if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) await main();
