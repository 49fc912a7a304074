import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { fieldsToRecord } from '../domain/delivery.ts';
import { decodeEvent, encodeEvent, type LifecycleEvent } from '../domain/events.ts';
import type { Keys } from '../redis/keys.ts';
import { interleave, syntheticMessages } from '../testkit/synthetic-events.ts';
import { testRedis } from '../testkit/testkit.ts';
import { AGGREGATOR_GROUP, createApplier, type EventEntry } from './apply.ts';

const TZ = 'Asia/Shanghai';
const T0 = Date.parse('2026-11-23T01:30:00Z'); // 09:30 Shanghai
const DAY = 86_400_000;
const P = 5;

describe('apply.lua on whole batches: replays, TTLs only on creation', () => {
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

  /** XADDs events to partition P and reads them into the group's pending list. */
  const deliver = async (events: readonly LifecycleEvent[]): Promise<EventEntry[]> => {
    const pipe = redis.pipeline();
    for (const e of events) pipe.xadd(keys.events(P), '*', ...encodeEvent(e));
    await pipe.exec();
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
  const applier = () => createApplier({ redis, keys, timezone: TZ, traceTtlDays: 7, counterTtlDays: 90 });
  const pending = async () =>
    Number(((await redis.xpending(keys.events(P), AGGREGATOR_GROUP)) as [number])[0]);

  /** Every data key under the prefix with its whole value and absolute expiry time. */
  const snapshot = async (): Promise<Map<string, unknown>> => {
    const out = new Map<string, unknown>();
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${r.prefix}st:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of found) {
        const type = await redis.type(key);
        const value =
          type === 'hash'
            ? await redis.hgetall(key)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'zset'
                ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                : await redis.get(key);
        out.set(key, { type, value, expiresAt: await redis.call('PEXPIRETIME', key) });
      }
    } while (cursor !== '0');
    return out;
  };

  test('a replayed batch of 1,000 events changes nothing and is acknowledged', async () => {
    const messages = syntheticMessages({ count: 400, startMs: T0, spanMs: 600_000, templates: 3, seed: 9 });
    const entries = await deliver(interleave(messages).slice(0, 1000));
    const first = await applier().apply(P, entries);
    assert.deepEqual([first.applied, first.replayed], [1000, 0]);
    const applied = await snapshot();
    // Exactly the keys the events call for, worked out here without the fold: per template its
    // day and hour counters, per message its receiver's day (set and hash) on the day it was
    // accepted (its first event), and the applied id. Nothing per message: timelines are the
    // ledger's (pkg/lifecycle/trace.ts).
    const local = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString();
    const acceptedAt = new Map(messages.map((m) => [m[0]!.messageId, m[0]!.at]));
    const expected = new Set([keys.statsApplied(P)]);
    for (const { event: e } of entries) {
      expected.add(keys.statsTemplate(P, e!.templateId, local(e!.at).slice(0, 10)));
      expected.add(keys.statsTemplate(P, e!.templateId, local(e!.at).slice(0, 13)));
      const day = local(acceptedAt.get(e!.messageId)!).slice(0, 10);
      expected.add(keys.statsReceiver(P, e!.receiver, day));
      expected.add(keys.statsReceiverState(P, e!.receiver, day));
    }
    assert.ok(expected.size > 80, `${expected.size} keys`);
    assert.deepEqual([...applied.keys()].sort(), [...expected].sort());
    // Every key carries its TTL (counters, receiver sets and hashes).
    const noTtl = [...applied].filter(
      ([k, v]) => !k.endsWith(':applied') && (v as { expiresAt: number }).expiresAt < 0,
    );
    assert.deepEqual(noTtl, []);

    // The same read again (a stale owner, or redelivery after a crash that followed the script).
    const again = await applier().apply(P, entries);
    assert.deepEqual([again.applied, again.replayed, again.events.length], [0, 1000, 0]);
    assert.deepEqual(await snapshot(), applied);
    assert.equal(await pending(), 0);
  });

  test('existing keys keep their TTL; keys created by a batch get one', async () => {
    const ev = (id: string, state: LifecycleEvent['state'], at: number, over: Partial<LifecycleEvent> = {}) =>
      ({
        messageId: id,
        templateId: 9,
        receiver: 'r1',
        channel: 'sms',
        messageType: 'auth',
        state,
        at,
        reason: '',
        ...over,
      }) as LifecycleEvent;
    const D1 = '2026-11-23';
    const D2 = '2026-11-24';
    await applier().apply(
      P,
      await deliver([
        ev('a', 'accepted', T0),
        ev('a', 'sending', T0),
        ev('e', 'accepted', T0, { templateId: 11, receiver: 'r3' }),
        ev('s', 'scheduled', T0 + 100, { receiver: 'r5' }),
      ]),
    );
    const existing = [
      keys.statsTemplate(P, 9, D1),
      keys.statsTemplate(P, 9, `${D1}T09`),
      keys.statsTemplate(P, 11, D1),
      keys.statsTemplate(P, 11, `${D1}T09`),
      keys.statsReceiver(P, 'r1', D1),
      keys.statsReceiverState(P, 'r1', D1),
      keys.statsReceiver(P, 'r5', D1),
      keys.statsReceiverState(P, 'r5', D1),
    ];
    for (const key of existing) assert.equal(await redis.expire(key, 1000), 1, key);

    await applier().apply(
      P,
      await deliver([
        ev('a', 'sent', T0 + 1), // listed already ('r': HGET first)
        ev('e', 'sent', T0 + 1, { templateId: 11, receiver: 'r3' }), // counter keys get a new field only
        ev('d', 'accepted', T0 + 2), // new member of an existing receiver day ('n')
        ev('b', 'accepted', T0 + DAY, { receiver: 'r2' }), // new day: new counter and receiver keys
        ev('c', 'delivered', T0 + DAY, { receiver: 'r4' }), // never listed, first seen with a receipt
        ev('s', 'accepted', T0 + 50, { receiver: 'r5' }), // listed already, older than the stored state
      ]),
    );
    for (const key of existing) {
      const ttl = await redis.ttl(key);
      assert.ok(ttl > 0 && ttl <= 1000, `${key} kept its TTL: ${ttl}`);
    }
    const created: [string, number][] = [
      [keys.statsTemplate(P, 9, D2), 90],
      [keys.statsTemplate(P, 9, `${D2}T09`), 90],
      [keys.statsReceiver(P, 'r2', D2), 7],
      [keys.statsReceiverState(P, 'r2', D2), 7],
      [keys.statsReceiver(P, 'r4', D2), 7],
      [keys.statsReceiverState(P, 'r4', D2), 7],
    ];
    for (const [key, days] of created) {
      const ttl = await redis.ttl(key);
      assert.ok(ttl > days * 86_400 - 60 && ttl <= days * 86_400, `${key}: ${ttl}`);
    }

    // And the data is what the events say.
    assert.deepEqual(await redis.hgetall(keys.statsTemplate(P, 11, D1)), { accepted: '1', sent: '1' });
    assert.deepEqual(await redis.hgetall(keys.statsTemplate(P, 9, D1)), {
      accepted: '3',
      scheduled: '1',
      sending: '1',
      sent: '1',
    });
    const state = (rcv: string, day: string, id: string) =>
      redis.hget(keys.statsReceiverState(P, rcv, day), id);
    assert.equal(await state('r1', D1, 'a'), `${T0 + 1}|sent|9|sms|`);
    assert.equal(await state('r1', D1, 'd'), `${T0 + 2}|accepted|9|sms|`);
    assert.equal(await state('r4', D2, 'c'), `${T0 + DAY}|delivered|9|sms|`);
    assert.equal(await state('r5', D1, 's'), `${T0 + 100}|scheduled|9|sms|`);
    assert.deepEqual(await redis.zrange(keys.statsReceiver(P, 'r1', D1), 0, -1), ['a', 'd']);
    assert.deepEqual(await redis.zrange(keys.statsReceiver(P, 'r4', D2), 0, -1), ['c']);
    assert.equal(await pending(), 0);
  });
});
