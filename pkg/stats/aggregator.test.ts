import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LifecycleEvent } from '../domain/events.ts';
import { interleave, readEventStreams, syntheticMessages, writeEvents } from '../testkit/synthetic-events.ts';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { sorted, storedCounters, truthCounters } from '../testkit/truth.ts';
import { spawnAggregator } from './aggregator-process.ts';
import { eventLag } from './lag.ts';
import { type ReadDeps, receiverMessages, templateStats } from './read.ts';

const N = 8;
const DELIVERIES = 20_000;
// Acceptance spread over 6 hours around a Shanghai midnight: counters cross a day boundary.
const START = Date.parse('2026-11-22T13:00:00Z');

describe('aggregator process: exactly-once under SIGKILL', { timeout: 240_000 }, () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(() => r.cleanup());

  test('20,000 deliveries, aggregator SIGKILLed twice mid-run: counters and receiver listings exact', async () => {
    const deps: ReadDeps = { redis: r.redis, keys: r.keys, partitions: N };
    const messages = syntheticMessages({
      count: DELIVERIES,
      startMs: START,
      spanMs: 6 * 3_600_000,
      seed: 11,
    });
    const events = interleave(messages);
    const lag = async () => (await eventLag(deps)).total;

    // A producer writes in waves during the whole run, like handlers emitting events.
    let written = 0;
    const producer = (async () => {
      for (let i = 0; i < events.length; i += 1500) {
        const part = events.slice(i, i + 1500);
        await writeEvents(r.redis, r.keys, N, part);
        written += part.length;
        await new Promise((res) => setTimeout(res, 40));
      }
    })();

    // Each kill lands while the process has unfolded work (lag > 0 just before the signal).
    const kills: { folded: number; lag: number; written: number }[] = [];
    const start = () => spawnAggregator({ prefix: r.prefix, redisUrl: r.url, partitions: N, leaseMs: 1500 });
    let proc = start();
    const wait = async (what: string, check: () => Promise<boolean>, ms: number, every = 20) => {
      try {
        await waitFor(what, check, ms, every);
      } catch (err) {
        throw new Error(`${(err as Error).message}\naggregator output:\n${proc.output()}`);
      }
    };
    try {
      for (const fraction of [0.15, 0.45]) {
        const target = Math.floor(events.length * fraction);
        let seen = { folded: 0, lag: 0, written: 0 };
        await wait(
          `folded >= ${target} with work left`,
          async () => {
            const l = await lag();
            seen = { folded: written - l, lag: l, written };
            return seen.folded >= target && l > 0;
          },
          90_000,
          5,
        );
        proc.child.kill('SIGKILL');
        await proc.exited;
        kills.push(seen);
        proc = start();
      }
      await producer;
      await wait(
        'all events folded',
        async () => written === events.length && (await lag()) === 0,
        120_000,
        50,
      );
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 0, `clean exit on SIGTERM\n${proc.output()}`);
    } finally {
      proc.child.kill('SIGKILL');
    }
    assert.equal(kills.length, 2, JSON.stringify(kills));

    // Ground truth from the event streams themselves.
    const streams = await readEventStreams(r.redis, r.keys, N);
    const inStreams: LifecycleEvent[] = streams.flat().map((x) => x.event);
    assert.equal(inStreams.length, events.length);
    const truth = truthCounters(inStreams, 8);
    assert.deepEqual(sorted(await storedCounters(r.redis, r.keys)), sorted(truth));

    // The read API sums partitions to the same numbers, per template, per day and hour.
    const days = ['2026-11-22', '2026-11-23'];
    for (let tpl = 1; tpl <= 5; tpl++) {
      for (const day of days) {
        const s = await templateStats(deps, tpl, day, day);
        for (const { day: d, counts } of s.days)
          for (const [state, n] of Object.entries(counts)) assert.equal(n, truth.get(`${tpl}|${d}|${state}`));
        const hourSum = s.hours!.reduce(
          (acc, h) => acc + Object.values(h.counts).reduce((a, b) => a + b, 0),
          0,
        );
        const daySum = Object.values(s.days[0]!.counts).reduce((a, b) => a + b, 0);
        assert.equal(hourSum, daySum);
      }
    }

    // Every message is listed for its receiver on the day it was accepted, with its last state
    // (each synthetic message's events have strictly increasing times). Timelines are not the
    // aggregator's: they are written with each state into the ledger record (pkg/lifecycle).
    const listings = new Map<string, Map<string, [string, number, string]>>();
    for (const m of messages) {
      const first = m[0]!;
      const last = m[m.length - 1]!;
      const day = new Date(first.at + 8 * 3_600_000).toISOString().slice(0, 10);
      const k = `${first.receiver}|${day}`;
      if (!listings.has(k)) listings.set(k, new Map());
      listings.get(k)!.set(first.messageId, [last.state, last.at, last.reason]);
    }
    const expected = [...listings];
    assert.ok(expected.length > 1000, `${expected.length} receiver days`);
    for (let i = 0; i < expected.length; i += 200) {
      const slice = expected.slice(i, i + 200);
      const got = await Promise.all(
        slice.map(([k]) => receiverMessages(deps, k.split('|')[0]!, k.split('|')[1]!, { limit: 1000 })),
      );
      slice.forEach(([k, want], j) => {
        const g = got[j]!;
        assert.equal(g.total, want.size, k);
        assert.deepEqual(
          new Map(g.items.map((x) => [x.messageId, [x.state, Date.parse(x.at), x.reason]])),
          want,
          k,
        );
      });
    }
  });
});
