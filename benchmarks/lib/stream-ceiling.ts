// Child process: the raw Redis Streams round trip on this machine. A producer appends `count`
// delivery-sized entries with pipelined XADD (batches of 500) while one consumer in the same
// process reads them with XREADGROUP COUNT 500 and acknowledges each batch with one XACK.
// Prints one JSON line: { count, seconds, perSec, produceSeconds }.
// Usage: node --import tsx benchmarks/lib/stream-ceiling.ts --prefix=<p> [--count=200000]
import { Redis } from 'ioredis';
import { argNumber, argString, benchEnv, dropPrefix } from './env.ts';

/**
 * A delivery-sized entry (the fields ingest writes for one receiver).
 *
 * @example redis.xadd(stream, '*', ...deliveryLikeFields(7));
 */
export function deliveryLikeFields(n: number): string[] {
  return [
    'id',
    `01K${String(n).padStart(23, '0')}`,
    'req',
    '01KREQ000000000000000000000',
    'tpl',
    '1',
    'rcv',
    `r${n}@bench.example`,
    'vars',
    '{"name":"Ann","code":"123456"}',
    'biz',
    '',
    'att',
    '1',
    'tp',
    '',
    'at',
    String(Date.now()),
  ];
}

async function main() {
  const { redisUrl } = benchEnv();
  const count = argNumber('count', 200_000);
  const prefix = argString('prefix', 'bench-ceiling:');
  const stream = `${prefix}ceiling:{s}`;
  const producer = new Redis(redisUrl);
  const consumer = new Redis(redisUrl);
  await producer.del(stream);
  await producer.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  const batch = 500;
  const t0 = performance.now();
  let produceSeconds = 0;
  const produce = (async () => {
    let inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < count; i += batch) {
      const pipe = producer.pipeline();
      for (let j = i; j < Math.min(count, i + batch); j++) pipe.xadd(stream, '*', ...deliveryLikeFields(j));
      inFlight.push(pipe.exec());
      // Two batches on the wire at a time: the socket stays busy without unbounded buffering.
      if (inFlight.length >= 2) {
        await inFlight[0];
        inFlight = inFlight.slice(1);
      }
    }
    await Promise.all(inFlight);
    produceSeconds = (performance.now() - t0) / 1000;
  })();
  let acked = 0;
  while (acked < count) {
    const reply = (await consumer.call(
      'XREADGROUP',
      'GROUP',
      'g',
      'c1',
      'COUNT',
      batch,
      'BLOCK',
      100,
      'STREAMS',
      stream,
      '>',
    )) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    acked += Number(await consumer.xack(stream, 'g', ...entries.map((e) => e[0])));
  }
  await produce;
  const seconds = (performance.now() - t0) / 1000;
  await dropPrefix(producer, prefix);
  producer.disconnect();
  consumer.disconnect();
  process.stdout.write(`${JSON.stringify({ count, seconds, perSec: count / seconds, produceSeconds })}\n`);
}

if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) await main();
