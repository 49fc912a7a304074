import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import { type LifecycleEvent, partitionOf } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import { testRedis } from '../testkit/testkit.ts';
import { createApplier } from './apply.ts';
import { type ReadDeps, receiverMessages, templateStats } from './read.ts';

const TZ = 'Asia/Shanghai';
const N = 8;
const LATE = Date.parse('2026-11-22T15:50:00Z'); // 23:50 on the 22nd in Shanghai
const EARLY = Date.parse('2026-11-22T16:10:00Z'); // 00:10 on the 23rd

/** Message ids accepted at `at` that land in `count` distinct partitions. */
function idsInDistinctPartitions(at: number, count: number): string[] {
  const seen = new Map<number, string>();
  while (seen.size < count) {
    const id = newId(at);
    const p = partitionOf(id, N);
    if (!seen.has(p)) seen.set(p, id);
  }
  return [...seen.values()];
}

describe('reads sum over partitions and respect day boundaries', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let deps: ReadDeps;
  const lateIds = idsInDistinctPartitions(LATE, 4);
  const earlyIds = idsInDistinctPartitions(EARLY, 3);
  let seq = 1;

  const ev = (
    messageId: string,
    state: LifecycleEvent['state'],
    at: number,
    over: Partial<LifecycleEvent> = {},
  ) =>
    ({
      messageId,
      templateId: 5,
      receiver: 'ann',
      channel: 'sms',
      messageType: 'notice',
      state,
      at,
      reason: '',
      ...over,
    }) as LifecycleEvent;

  /** Applies events the way the aggregator does: per partition, in the given order. */
  const apply = async (events: LifecycleEvent[]) => {
    const applier = createApplier({
      redis: r.redis,
      keys: r.keys,
      timezone: TZ,
      traceTtlDays: 7,
      counterTtlDays: 90,
    });
    const byPart = new Map<number, LifecycleEvent[]>();
    for (const e of events) {
      const p = partitionOf(e.messageId, N);
      byPart.set(p, [...(byPart.get(p) ?? []), e]);
    }
    for (const [p, list] of byPart)
      await applier.apply(
        p,
        list.map((event) => ({ streamId: `${seq++}-0`, event })),
      );
  };

  before(async () => {
    r = await testRedis();
    deps = { redis: r.redis, keys: r.keys, partitions: N };
    const events: LifecycleEvent[] = [];
    for (const id of lateIds) {
      events.push(ev(id, 'accepted', LATE), ev(id, 'sending', LATE + 1000));
      // Sent just after midnight: counted on the 23rd, listed for the receiver on the 22nd.
      events.push(ev(id, 'sent', EARLY + 5000));
    }
    for (const id of earlyIds)
      events.push(ev(id, 'accepted', EARLY), ev(id, 'dedup_content', EARLY + 10, { reason: 'dup' }));
    events.push(ev(newId(EARLY), 'accepted', EARLY, { templateId: 6, receiver: 'bob' }));
    await apply(events);
  });
  after(() => r.cleanup());

  test('templateStats per day across partitions and midnight', async () => {
    const s = await templateStats(deps, 5, '2026-11-21', '2026-11-23');
    assert.equal(s.hours, undefined);
    assert.deepEqual(s.days, [
      { day: '2026-11-21', counts: {} },
      { day: '2026-11-22', counts: { accepted: 4, sending: 4 } },
      { day: '2026-11-23', counts: { sent: 4, accepted: 3, dedup_content: 3 } },
    ]);
    const other = await templateStats(deps, 6, '2026-11-23', '2026-11-23');
    assert.deepEqual(other.days, [{ day: '2026-11-23', counts: { accepted: 1 } }]);
  });

  test('templateStats per hour when from = to', async () => {
    const s = await templateStats(deps, 5, '2026-11-22', '2026-11-22');
    assert.equal(s.hours?.length, 24);
    const nonEmpty = s.hours!.filter((h) => Object.keys(h.counts).length > 0);
    assert.deepEqual(nonEmpty, [{ hour: '2026-11-22T23', counts: { accepted: 4, sending: 4 } }]);
    const next = await templateStats(deps, 5, '2026-11-23', '2026-11-23');
    assert.deepEqual(
      next.hours!.filter((h) => Object.keys(h.counts).length > 0),
      [{ hour: '2026-11-23T00', counts: { sent: 4, accepted: 3, dedup_content: 3 } }],
    );
  });

  test('templateStats refuses bad ranges with 422', async () => {
    for (const [from, to] of [
      ['2026-11-23', '2026-11-22'],
      ['2026-02-30', '2026-03-01'],
      ['2026-01-01', '2026-06-01'],
      ['23.11.2026', '2026-11-23'],
    ] as const) {
      await assert.rejects(
        templateStats(deps, 5, from, to),
        (e) => e instanceof AppError && e.status === 422,
      );
    }
  });

  test('receiverMessages merges partitions, newest first, listed on the acceptance day', async () => {
    const late = await receiverMessages(deps, 'ann', '2026-11-22');
    assert.equal(late.total, 4);
    assert.deepEqual(late.items.map((i) => i.messageId).sort(), [...lateIds].sort());
    assert.ok(late.items.every((i) => i.state === 'sent' && i.at === new Date(EARLY + 5000).toISOString()));
    const early = await receiverMessages(deps, 'ann', '2026-11-23');
    assert.equal(early.total, 3);
    assert.ok(early.items.every((i) => i.state === 'dedup_content' && i.reason === 'dup'));
    assert.deepEqual((await receiverMessages(deps, 'ann', '2026-11-24')).items, []);
  });

  test('receiverMessages orders by acceptance time, newest first, and honours limit', async () => {
    const ids = [0, 1, 2, 3, 4].map((k) => newId(EARLY + 60_000 * (k + 1)));
    await apply(ids.map((id) => ev(id, 'accepted', EARLY + 60_000, { receiver: 'cat' })));
    const all = await receiverMessages(deps, 'cat', '2026-11-23');
    assert.deepEqual(
      all.items.map((i) => i.messageId),
      [...ids].reverse(),
    );
    const two = await receiverMessages(deps, 'cat', '2026-11-23', { limit: 2 });
    assert.deepEqual([two.total, two.items.length, two.items[0]!.messageId], [5, 2, ids[4]]);
    await assert.rejects(
      receiverMessages(deps, 'cat', '2026-11-31'),
      (e) => e instanceof AppError && e.status === 422,
    );
  });
});
