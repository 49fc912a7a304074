import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { silentLogger } from '../telemetry/logger.ts';
import { interleave, syntheticMessages, writeEvents } from '../testkit/synthetic-events.ts';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { AGGREGATOR_CONSUMER, startAggregator } from './aggregator.ts';
import { AGGREGATOR_GROUP } from './apply.ts';
import { eventLag } from './lag.ts';
import { partitionLeaseName } from './leases.ts';
import { templateStats } from './read.ts';

const N = 4;

describe('startAggregator in process', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(() => r.cleanup());

  test('lag counts streams without a group, then folds to zero; metrics; close releases leases', async () => {
    const events = interleave(
      syntheticMessages({ count: 300, startMs: Date.parse('2026-11-23T00:00:00Z'), spanMs: 60_000 }),
    );
    // Written before any aggregator exists: the group starts at 0, so these are folded too.
    await writeEvents(r.redis, r.keys, N, events);
    const before = await eventLag({ redis: r.redis, keys: r.keys, partitions: N });
    assert.equal(before.total, events.length);
    assert.equal(before.pending, 0);

    const registry = new Registry();
    const blocking = new Redis(r.url);
    const agg = await startAggregator({
      redis: r.redis,
      blocking,
      keys: r.keys,
      partitions: N,
      timezone: 'Asia/Shanghai',
      traceTtlDays: 7,
      counterTtlDays: 90,
      log: silentLogger,
      registry,
      blockMs: 100,
    });
    try {
      assert.deepEqual(agg.owned(), [0, 1, 2, 3]);
      await waitFor('folded', async () => (await agg.lag()).total === 0);
      assert.equal(agg.stats().applied, events.length);
      const text = await registry.metrics();
      assert.match(text, /push_aggregator_lag_events 0/);
      assert.match(text, new RegExp(`push_aggregator_events_applied_total ${events.length}`));
      assert.match(text, /push_aggregator_partitions_owned 4/);
    } finally {
      await agg.close();
      blocking.disconnect();
    }
    for (let p = 0; p < N; p++) assert.equal(await r.redis.get(r.keys.lease(partitionLeaseName(p))), null);
  });

  test('entries read by a crashed owner (pending, never applied) are folded by the next owner', async () => {
    const events = interleave(
      syntheticMessages({ count: 200, startMs: Date.parse('2026-11-24T00:00:00Z'), spanMs: 60_000, seed: 3 }),
    );
    await writeEvents(r.redis, r.keys, N, events);
    // The "crashed" owner: read everything into the group's pending list, then died.
    for (let p = 0; p < N; p++) {
      await r.redis
        .xgroup('CREATE', r.keys.events(p), AGGREGATOR_GROUP, '0', 'MKSTREAM')
        .catch(() => undefined);
      await r.redis.call(
        'XREADGROUP',
        'GROUP',
        AGGREGATOR_GROUP,
        AGGREGATOR_CONSUMER,
        'COUNT',
        100_000,
        'STREAMS',
        r.keys.events(p),
        '>',
      );
    }
    const lag = await eventLag({ redis: r.redis, keys: r.keys, partitions: N });
    assert.deepEqual([lag.lag, lag.pending], [0, events.length]);
    const blocking = new Redis(r.url);
    const agg = await startAggregator({
      redis: r.redis,
      blocking,
      keys: r.keys,
      partitions: N,
      timezone: 'Asia/Shanghai',
      traceTtlDays: 7,
      counterTtlDays: 90,
      log: silentLogger,
      blockMs: 100,
    });
    try {
      await waitFor('pending folded', async () => (await agg.lag()).total === 0);
      assert.equal(agg.stats().applied, events.length);
      const stats = await templateStats(
        { redis: r.redis, keys: r.keys, partitions: N },
        1,
        '2026-11-24',
        '2026-11-24',
      );
      const folded = events.filter((e) => e.templateId === 1).length;
      assert.equal(
        Object.values(stats.days[0]!.counts).reduce((a, b) => a + b, 0),
        folded,
      );
    } finally {
      await agg.close();
      blocking.disconnect();
    }
  });
});
