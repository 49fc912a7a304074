import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { decodeMember, encodeMember, moveDue, scheduleDelayed, scheduleDelayedMany } from './delayed.ts';
import { fieldsOf } from './entry.ts';
import { startMover } from './mover.ts';

describe('delayed set', () => {
  let t: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    t = await testRedis();
  });
  after(() => t.cleanup());

  test('member encoding: same fields in any order are one member, any difference is another', () => {
    assert.equal(encodeMember({ b: '2', a: '1' }), encodeMember(['a', '1', 'b', '2']));
    assert.notEqual(encodeMember({ id: 'm1', att: '1' }), encodeMember({ id: 'm1', att: '2' }));
    assert.notEqual(encodeMember({ a: '1' }), encodeMember({ a: '1', b: '' }));
    assert.deepEqual(decodeMember(encodeMember({ id: 'm1', vars: '{"x":"é \\" ,"}' })), {
      id: 'm1',
      vars: '{"x":"é \\" ,"}',
    });
    assert.equal(decodeMember('nope'), undefined);
    assert.equal(decodeMember('["a"]'), undefined);
  });

  test('moveDue moves only due members, in one piece, with their fields', async () => {
    const dl = t.keys.delayed('email.notice');
    const s = t.keys.stream('email.notice');
    assert.equal(
      await scheduleDelayed(t.redis, dl, 1000, { id: 'm1', att: '2', vars: '{"n":"Ann é 中 \\u00e9"}' }),
      true,
    );
    assert.equal(
      await scheduleDelayed(t.redis, dl, 1000, { att: '2', id: 'm1', vars: '{"n":"Ann é 中 \\u00e9"}' }),
      false,
    );
    await scheduleDelayed(t.redis, dl, 5000, { id: 'm2', att: '1' });
    await t.redis.zadd(dl, 900, 'not json'); // malformed: dropped, never appended
    assert.deepEqual(await moveDue(t.redis, dl, s, 2000, 100), { moved: 1, dropped: 1 });
    const entries = await t.redis.xrange(s, '-', '+');
    assert.equal(entries.length, 1);
    assert.deepEqual(fieldsOf(entries[0]![1]), { id: 'm1', att: '2', vars: '{"n":"Ann é 中 \\u00e9"}' });
    assert.equal(await t.redis.zcard(dl), 1);
    assert.deepEqual(await moveDue(t.redis, dl, s, 2000, 100), { moved: 0, dropped: 0 });
    assert.deepEqual(await moveDue(t.redis, dl, s, 5000, 100), { moved: 1, dropped: 0 });
    assert.equal(await t.redis.xlen(s), 2);
  });

  test('three concurrent movers over 5,000 due entries move each exactly once', async () => {
    const dl = t.keys.delayed('sms.notice');
    const s = t.keys.stream('sms.notice');
    const n = 5000;
    await scheduleDelayedMany(
      t.redis,
      Array.from({ length: n }, (_, i) => ({
        delayedKey: dl,
        dueAt: 1000 + i,
        fields: { id: `m${i}`, att: '1' },
      })),
    );
    assert.equal(await t.redis.zcard(dl), n);
    const movers = [0, 1, 2].map(() => new Redis(t.url));
    try {
      const moved = await Promise.all(
        movers.map(async (r) => {
          let total = 0;
          for (;;) {
            const { moved } = await moveDue(r, dl, s, 10_000, 97);
            if (moved === 0) return total;
            total += moved;
          }
        }),
      );
      assert.equal(
        moved.reduce((a, b) => a + b, 0),
        n,
      );
      assert.ok(moved.filter((m) => m > 0).length >= 2, `movers really raced: ${moved}`);
    } finally {
      for (const r of movers) r.disconnect();
    }
    const entries = await t.redis.xrange(s, '-', '+');
    assert.equal(entries.length, n);
    const ids = new Set(entries.map(([, f]) => fieldsOf(f)['id']));
    assert.equal(ids.size, n);
    assert.equal(await t.redis.zcard(dl), 0);
  });

  test('startMover drains due members of every stream until stopped', async () => {
    const a = t.keys.stream('feishu_robot.notice');
    const b = t.keys.stream('webhook.auth');
    const dlOf = (s: string) => s.replace(':d:', ':dl:');
    let now = 10_000;
    await scheduleDelayedMany(t.redis, [
      ...Array.from({ length: 25 }, (_, i) => ({
        delayedKey: dlOf(a),
        dueAt: 5000,
        fields: { id: `a${i}` },
      })),
      { delayedKey: dlOf(b), dueAt: 9000, fields: { id: 'b0' } },
      { delayedKey: dlOf(b), dueAt: 20_000, fields: { id: 'b1' } },
    ]);
    const mover = startMover({
      redis: t.redis,
      streams: [a, b],
      delayedKeyOf: dlOf,
      intervalMs: 20,
      batch: 10,
      now: () => now,
    });
    try {
      await waitFor(
        'due entries moved',
        async () => (await t.redis.xlen(a)) === 25 && (await t.redis.xlen(b)) === 1,
      );
      assert.equal(await t.redis.zcard(dlOf(b)), 1);
      now = 20_000;
      await waitFor('later entry moved', async () => (await t.redis.xlen(b)) === 2);
    } finally {
      await mover.stop();
    }
    assert.equal(mover.counters().moved, 27);
    assert.equal(mover.counters().errors, 0);
  });
});
