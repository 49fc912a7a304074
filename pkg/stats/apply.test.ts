import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { fieldsToRecord } from '../domain/delivery.ts';
import { decodeEvent, encodeEvent, type LifecycleEvent } from '../domain/events.ts';
import type { Keys } from '../redis/keys.ts';
import { testRedis } from '../testkit/testkit.ts';
import { AGGREGATOR_GROUP, createApplier, type EventEntry } from './apply.ts';

const TZ = 'Asia/Shanghai';
const T0 = Date.parse('2026-11-23T01:30:00Z'); // 09:30 Shanghai
const P = 3;

describe('apply.lua: exactly-once application of folded chunks', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let redis: Redis;
  let keys: Keys;
  before(async () => {
    r = await testRedis();
    redis = r.redis;
    keys = r.keys;
    await redis.xgroup('CREATE', keys.events(P), AGGREGATOR_GROUP, '0', 'MKSTREAM');
  });
  after(() => r.cleanup());

  const ev = (messageId: string, state: LifecycleEvent['state'], at = T0, reason = ''): LifecycleEvent => ({
    messageId,
    templateId: 9,
    receiver: 'r@x.com',
    channel: 'sms',
    messageType: 'auth',
    state,
    at,
    reason,
  });
  /** XADDs events and reads them into the group's pending list, as the aggregator would. */
  const deliver = async (events: LifecycleEvent[]): Promise<EventEntry[]> => {
    for (const e of events) await redis.xadd(keys.events(P), '*', ...encodeEvent(e));
    const reply = (await redis.call(
      'XREADGROUP',
      'GROUP',
      AGGREGATOR_GROUP,
      'c',
      'COUNT',
      10_000,
      'STREAMS',
      keys.events(P),
      '>',
    )) as [string, [string, string[]][]][];
    return reply[0]![1].map(([streamId, f]) => ({ streamId, event: decodeEvent(fieldsToRecord(f)) }));
  };
  const counts = (bucket: string) => redis.hgetall(keys.statsTemplate(P, 9, bucket));
  const pending = async () =>
    Number(((await redis.xpending(keys.events(P), AGGREGATOR_GROUP)) as [number])[0]);
  /** Every key the aggregator's data lives under (SCAN, not KEYS: the server is shared). */
  const statsKeys = async () => {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${r.prefix}st:*`, 'COUNT', 1000);
      cursor = next;
      out.push(...found);
    } while (cursor !== '0');
    return out;
  };
  const applier = (chunkSize = 2) =>
    createApplier({ redis, keys, timezone: TZ, traceTtlDays: 7, counterTtlDays: 90, chunkSize });

  test('applies counters, receiver listing, applied id and ack together', async () => {
    const entries = await deliver([ev('a', 'accepted'), ev('a', 'sending', T0 + 1), ev('a', 'sent', T0 + 2)]);
    const res = await applier(2).apply(P, entries);
    assert.equal(res.applied, 3);
    assert.equal(res.replayed, 0);
    assert.equal(res.events.length, 3);
    assert.deepEqual(await counts('2026-11-23'), { accepted: '1', sending: '1', sent: '1' });
    assert.deepEqual(await counts('2026-11-23T09'), { accepted: '1', sending: '1', sent: '1' });
    assert.equal(await redis.get(keys.statsApplied(P)), entries[2]!.streamId);
    assert.equal(await pending(), 0);
    // Exactly these keys: timelines are the ledger's (pkg/lifecycle/trace.ts), none is written here.
    const day = {
      zset: keys.statsReceiver(P, 'r@x.com', '2026-11-23'),
      hash: keys.statsReceiverState(P, 'r@x.com', '2026-11-23'),
    };
    assert.deepEqual(
      (await statsKeys()).sort(),
      [
        keys.statsApplied(P),
        keys.statsTemplate(P, 9, '2026-11-23'),
        keys.statsTemplate(P, 9, '2026-11-23T09'),
        day.zset,
        day.hash,
      ].sort(),
    );
    for (const key of [day.zset, day.hash]) {
      const ttl = await redis.ttl(key);
      assert.ok(ttl > 7 * 86_400 - 60 && ttl <= 7 * 86_400, `trace ttl of ${key}: ${ttl}`);
    }
    const cttl = await redis.ttl(keys.statsTemplate(P, 9, '2026-11-23'));
    assert.ok(cttl > 90 * 86_400 - 60 && cttl <= 90 * 86_400, `counter ttl ${cttl}`);
    assert.equal(await redis.zscore(keys.statsReceiver(P, 'r@x.com', '2026-11-23'), 'a'), String(T0));
    assert.equal(
      await redis.hget(keys.statsReceiverState(P, 'r@x.com', '2026-11-23'), 'a'),
      `${T0 + 2}|sent|9|sms|`,
    );
  });

  test('a batch applied a second time (a stale owner holding the same read) only acknowledges', async () => {
    const entries = await deliver([ev('b', 'accepted'), ev('b', 'failed', T0 + 5, 'smtp 550')]);
    await applier(10).apply(P, entries);
    const again = await applier(10).apply(P, entries);
    assert.deepEqual([again.applied, again.replayed, again.events.length], [0, 2, 0]);
    assert.deepEqual(await counts('2026-11-23'), { accepted: '2', sending: '1', sent: '1', failed: '1' });
    assert.equal(
      await redis.hget(keys.statsReceiverState(P, 'r@x.com', '2026-11-23'), 'b'),
      `${T0 + 5}|failed|9|sms|smtp 550`,
    );
    assert.equal(await redis.zcard(keys.statsReceiver(P, 'r@x.com', '2026-11-23')), 2);
    assert.equal(await pending(), 0);
  });

  test('malformed entries are acknowledged and skipped without counting', async () => {
    await redis.xadd(keys.events(P), '*', 'noop', '1');
    await redis.xadd(keys.events(P), '*', 'id', 'x', 'st', 'sent'); // no time
    const entries = await deliver([]);
    assert.equal(entries.length, 2);
    const res = await applier(10).apply(P, entries);
    assert.deepEqual([res.applied, res.events.length], [2, 0]);
    assert.deepEqual(await counts('2026-11-23'), { accepted: '2', sending: '1', sent: '1', failed: '1' });
    assert.equal(await pending(), 0);
  });

  test('a chunk overlapping the applied id (two owners raced) counts only the new part', async () => {
    const entries = await deliver([
      ev('c', 'accepted'),
      ev('c', 'sending', T0 + 1),
      ev('c', 'sent', T0 + 2),
      ev('c', 'delivered', T0 + 3),
    ]);
    // Owner A applied the first two; owner B read all four and applies them as one chunk.
    await applier(10).apply(P, entries.slice(0, 2));
    const res = await applier(10).apply(P, entries);
    assert.deepEqual([res.applied, res.replayed], [2, 2]);
    const day = await counts('2026-11-23');
    assert.deepEqual([day.accepted, day.sending, day.sent, day.delivered], ['3', '2', '2', '1']);
    assert.equal(
      await redis.hget(keys.statsReceiverState(P, 'r@x.com', '2026-11-23'), 'c'),
      `${T0 + 3}|delivered|9|sms|`,
    );
    assert.equal(await redis.get(keys.statsApplied(P)), entries[3]!.streamId);
    assert.equal(await pending(), 0);
  });

  test('the receiver listing keeps the latest state even when an older event is applied later', async () => {
    const entries = await deliver([ev('d', 'delivered', T0 + 50, 'DELIVRD'), ev('d', 'sent', T0 + 10)]);
    await applier(1).apply(P, entries); // two chunks: the older event lands second
    assert.equal(
      await redis.hget(keys.statsReceiverState(P, 'r@x.com', '2026-11-23'), 'd'),
      `${T0 + 50}|delivered|9|sms|DELIVRD`,
    );
  });

  test('entries deleted from the stream while pending are acknowledged and skipped', async () => {
    const entries = await deliver([ev('e', 'accepted')]);
    const gone: EventEntry[] = entries.map((e) => ({ streamId: e.streamId, event: undefined }));
    const before = await counts('2026-11-23');
    const res = await applier().apply(P, gone);
    assert.deepEqual([res.applied, res.events.length], [1, 0]);
    assert.deepEqual(await counts('2026-11-23'), before);
    assert.equal(await redis.zscore(keys.statsReceiver(P, 'r@x.com', '2026-11-23'), 'e'), null);
    assert.equal(await redis.get(keys.statsApplied(P)), entries[0]!.streamId);
    assert.equal(await pending(), 0);
  });
});
