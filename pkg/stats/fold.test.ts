import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LifecycleEvent } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import { STATES } from '../domain/states.ts';
import { bucketer } from './buckets.ts';
import { type FoldInput, fold } from './fold.ts';

const TZ = 'Asia/Shanghai';
const T0 = Date.parse('2026-11-23T01:30:00Z'); // 09:30 in Shanghai
const ev = (over: Partial<LifecycleEvent> = {}): LifecycleEvent => ({
  messageId: 'm1',
  templateId: 7,
  receiver: 'a@x.com',
  channel: 'email',
  messageType: 'notice',
  state: 'sent',
  at: T0,
  reason: '',
  ...over,
});
let seq = 0;
const inputs = (...events: LifecycleEvent[]): FoldInput[] =>
  events.map((event) => ({ streamId: `${1000 + seq++}-0`, event }));

describe('fold: every state', () => {
  for (const state of STATES) {
    test(`${state} is counted per day and hour, timed, and listed for the receiver`, () => {
      const d = fold(inputs(ev({ state, reason: `why-${state}` })), { timezone: TZ, now: T0 });
      assert.deepEqual(d.counters, [
        { templateId: 7, bucket: '2026-11-23', counts: { [state]: 1 } },
        { templateId: 7, bucket: '2026-11-23T09', counts: { [state]: 1 } },
      ]);
      assert.deepEqual(d.receivers, [
        {
          receiver: 'a@x.com',
          day: '2026-11-23',
          messageId: 'm1',
          score: T0,
          latest: { at: T0, state, templateId: 7, channel: 'email', reason: `why-${state}` },
          fresh: state === 'accepted' || state === 'scheduled',
        },
      ]);
    });
  }
});

describe('fold: day and hour boundaries', () => {
  const cases: { tz: string; iso: string; day: string; hour: string }[] = [
    { tz: TZ, iso: '2026-11-22T15:59:59.999Z', day: '2026-11-22', hour: '2026-11-22T23' },
    { tz: TZ, iso: '2026-11-22T16:00:00.000Z', day: '2026-11-23', hour: '2026-11-23T00' },
    { tz: TZ, iso: '2026-12-31T16:00:00.000Z', day: '2027-01-01', hour: '2027-01-01T00' },
    { tz: 'UTC', iso: '2026-11-22T23:59:59.999Z', day: '2026-11-22', hour: '2026-11-22T23' },
    { tz: 'Asia/Kolkata', iso: '2026-01-01T18:29:59.999Z', day: '2026-01-01', hour: '2026-01-01T23' },
    { tz: 'Asia/Kolkata', iso: '2026-01-01T18:30:00.000Z', day: '2026-01-02', hour: '2026-01-02T00' },
    { tz: 'Asia/Kathmandu', iso: '2026-01-01T18:14:59.999Z', day: '2026-01-01', hour: '2026-01-01T23' },
    { tz: 'Asia/Kathmandu', iso: '2026-01-01T18:15:00.000Z', day: '2026-01-02', hour: '2026-01-02T00' },
    // New York leaves daylight saving on 2026-11-01 at 06:00Z: 01:xx happens twice.
    { tz: 'America/New_York', iso: '2026-11-01T05:30:00.000Z', day: '2026-11-01', hour: '2026-11-01T01' },
    { tz: 'America/New_York', iso: '2026-11-01T06:30:00.000Z', day: '2026-11-01', hour: '2026-11-01T01' },
    { tz: 'America/New_York', iso: '2026-11-01T07:30:00.000Z', day: '2026-11-01', hour: '2026-11-01T02' },
  ];
  for (const c of cases) {
    test(`${c.iso} in ${c.tz} → ${c.hour}`, () => {
      const at = Date.parse(c.iso);
      const d = fold(inputs(ev({ at })), { timezone: c.tz, now: at });
      assert.deepEqual(
        d.counters.map((x) => x.bucket),
        [c.day, c.hour],
      );
    });
  }

  test('the bucket cache never mixes two zones or two slots', () => {
    const b = bucketer('Asia/Kolkata');
    const base = Date.parse('2026-01-01T18:00:00Z');
    for (let m = 0; m < 120; m++) {
      const at = base + m * 60_000;
      const local = new Date(at + 330 * 60_000).toISOString();
      assert.equal(b(at).hour, `${local.slice(0, 10)}T${local.slice(11, 13)}`);
    }
  });

  test('a batch across midnight splits counters by event time', () => {
    const before = Date.parse('2026-11-22T15:59:00Z');
    const after = Date.parse('2026-11-22T16:01:00Z');
    const d = fold(
      inputs(
        ev({ messageId: 'a', state: 'accepted', at: before }),
        ev({ messageId: 'a', state: 'sent', at: after }),
        ev({ messageId: 'b', state: 'accepted', at: after }),
      ),
      { timezone: TZ, now: after },
    );
    const byBucket = Object.fromEntries(d.counters.map((c) => [c.bucket, c.counts]));
    assert.deepEqual(byBucket, {
      '2026-11-22': { accepted: 1 },
      '2026-11-22T23': { accepted: 1 },
      '2026-11-23': { sent: 1, accepted: 1 },
      '2026-11-23T00': { sent: 1, accepted: 1 },
    });
  });
});

describe('fold: counters and receivers', () => {
  test('counters sum per template; each message is listed once, with its latest state', () => {
    const d = fold(
      inputs(
        ev({ messageId: 'a', state: 'accepted', at: T0 }),
        ev({ messageId: 'b', state: 'accepted', at: T0, templateId: 8 }),
        ev({ messageId: 'a', state: 'sending', at: T0 + 1 }),
        ev({ messageId: 'a', state: 'sent', at: T0 + 2 }),
        ev({ messageId: 'b', state: 'dedup_content', at: T0 + 3, templateId: 8, reason: 'dedup' }),
      ),
      { timezone: TZ, now: T0 },
    );
    assert.deepEqual(
      d.receivers.map((r) => [r.messageId, r.latest.state, r.latest.reason, r.fresh]),
      [
        ['a', 'sent', '', true],
        ['b', 'dedup_content', 'dedup', true],
      ],
    );
    // Timelines are the ledger's (pkg/lifecycle/trace.ts): the fold carries none.
    assert.deepEqual(Object.keys(d).sort(), ['counters', 'receivers']);
    const day = d.counters.filter((c) => !c.bucket.includes('T'));
    assert.deepEqual(day, [
      { templateId: 7, bucket: '2026-11-23', counts: { accepted: 1, sending: 1, sent: 1 } },
      { templateId: 8, bucket: '2026-11-23', counts: { accepted: 1, dedup_content: 1 } },
    ]);
  });

  test('latest state is the latest event time; a tie goes to the later entry', () => {
    const d = fold(
      inputs(
        ev({ state: 'sent', at: T0 + 10 }),
        ev({ state: 'sending', at: T0 + 5 }), // arrived late, happened earlier
        ev({ state: 'delivered', at: T0 + 10, reason: 'receipt' }),
      ),
      { timezone: TZ, now: T0 },
    );
    assert.equal(d.receivers.length, 1);
    assert.deepEqual(d.receivers[0]!.latest, {
      at: T0 + 10,
      state: 'delivered',
      templateId: 7,
      channel: 'email',
      reason: 'receipt',
    });
  });

  test('a message is listed under the day it was accepted (its id), not the day of a later receipt', () => {
    const accepted = Date.parse('2026-11-22T15:59:00Z'); // 23:59 Shanghai
    const id = newId(accepted);
    const receipt = Date.parse('2026-11-22T16:05:00Z'); // 00:05 next day
    const d = fold(inputs(ev({ messageId: id, state: 'delivered', at: receipt })), {
      timezone: TZ,
      now: receipt,
    });
    assert.equal(d.receivers[0]!.day, '2026-11-22');
    assert.equal(d.receivers[0]!.score, accepted);
    assert.deepEqual(
      d.counters.map((c) => c.bucket),
      ['2026-11-23', '2026-11-23T00'],
    );
  });

  test('an event without a usable time is taken at now', () => {
    const now = Date.parse('2026-11-23T04:00:00Z');
    const d = fold(inputs(ev({ at: Number.NaN }), ev({ messageId: 'm2', at: 0 })), { timezone: TZ, now });
    assert.deepEqual(
      d.counters.map((c) => [c.bucket, c.counts.sent]),
      [
        ['2026-11-23', 2],
        ['2026-11-23T12', 2],
      ],
    );
    assert.deepEqual(
      d.receivers.map((r) => [r.messageId, r.latest.at]),
      [
        ['m1', now],
        ['m2', now],
      ],
    );
  });

  test('one receiver, two messages; same message id to two receivers stays apart', () => {
    const d = fold(
      inputs(
        ev({ messageId: 'a', receiver: 'r1' }),
        ev({ messageId: 'b', receiver: 'r1' }),
        ev({ messageId: 'a', receiver: 'r2' }),
      ),
      { timezone: TZ, now: T0 },
    );
    assert.deepEqual(
      d.receivers.map((r) => `${r.receiver}/${r.messageId}`),
      ['r1/a', 'r1/b', 'r2/a'],
    );
  });

  test('empty batch folds to nothing', () => {
    assert.deepEqual(fold([], { timezone: TZ, now: T0 }), { counters: [], receivers: [] });
  });

  test('an unknown time zone is refused up front', () => {
    assert.throws(() => fold([], { timezone: 'Mars/Olympus', now: T0 }), RangeError);
  });
});
