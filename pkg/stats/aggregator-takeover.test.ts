import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { interleave, readEventStreams, syntheticMessages, writeEvents } from '../testkit/synthetic-events.ts';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { sorted, storedCounters, truthCounters } from '../testkit/truth.ts';
import { spawnAggregator } from './aggregator-process.ts';
import { eventLag } from './lag.ts';
import { partitionLeaseName } from './leases.ts';

const N = 8;

describe('two aggregator processes share partitions', { timeout: 180_000 }, () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(() => r.cleanup());

  /** pid → partitions it holds, from the lease keys (owner ids are host:pid:random). */
  const owners = async (): Promise<Map<number, number[]>> => {
    const out = new Map<number, number[]>();
    for (let p = 0; p < N; p++) {
      const v = await r.redis.get(r.keys.lease(partitionLeaseName(p)));
      if (!v) continue;
      const pid = Number(v.split(':')[1]);
      out.set(pid, [...(out.get(pid) ?? []), p]);
    }
    return out;
  };

  test('both fold a share; when one is killed the other takes over its partitions', async () => {
    const lag = async () => (await eventLag({ redis: r.redis, keys: r.keys, partitions: N })).total;
    const messages = syntheticMessages({
      count: 6000,
      startMs: Date.parse('2026-11-23T02:00:00Z'),
      spanMs: 3_600_000,
      seed: 5,
    });
    const events = interleave(messages);
    const half = Math.floor(events.length / 2);
    const spawn = () => spawnAggregator({ prefix: r.prefix, redisUrl: r.url, partitions: N, leaseMs: 1500 });
    const a = spawn();
    const b = spawn();
    try {
      await waitFor(
        'two processes holding four partitions each',
        async () => {
          const o = await owners();
          return o.size === 2 && [...o.values()].every((ps) => ps.length === 4) && o.has(a.child.pid!);
        },
        30_000,
        50,
      );
      await writeEvents(r.redis, r.keys, N, events.slice(0, half));
      await waitFor('first half folded', async () => (await lag()) === 0, 60_000, 50);

      a.child.kill('SIGKILL');
      await a.exited;
      await writeEvents(r.redis, r.keys, N, events.slice(half));
      await waitFor(
        'survivor holds all partitions',
        async () => {
          const o = await owners();
          return o.size === 1 && o.get(b.child.pid!)?.length === N;
        },
        30_000,
        50,
      );
      await waitFor('second half folded', async () => (await lag()) === 0, 60_000, 50);

      b.child.kill('SIGTERM');
      assert.equal(await b.exited, 0, b.output());
      // A clean shutdown releases leases at once.
      assert.equal((await owners()).size, 0);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }
    const inStreams = (await readEventStreams(r.redis, r.keys, N)).flat().map((x) => x.event);
    assert.equal(inStreams.length, events.length);
    assert.deepEqual(sorted(await storedCounters(r.redis, r.keys)), sorted(truthCounters(inStreams, 8)));
  });
});
