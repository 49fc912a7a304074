import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testRedis } from '../testkit/testkit.ts';
import { groupLag, pendingCount } from './lag.ts';
import { ensureGroup, publish } from './publish.ts';
import { trimAcknowledged } from './trim.ts';

type Read = Array<[string, Array<[string, string[]]>]>;

describe('trimAcknowledged / groupLag / pendingCount', () => {
  let t: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    t = await testRedis();
  });
  after(() => t.cleanup());

  const read = async (s: string, group: string, count: number) => {
    const r = (await t.redis.xreadgroup('GROUP', group, 'c', 'COUNT', count, 'STREAMS', s, '>')) as Read;
    return r[0]![1].map(([id]) => id);
  };
  const fill = (s: string, n: number) =>
    publish(
      t.redis,
      Array.from({ length: n }, (_, i) => ({ stream: s, fields: { n: String(i) } })),
    );

  test('a stream without groups, or missing, is not trimmed', async () => {
    const s = t.keys.stream('email.notice');
    await fill(s, 5);
    assert.equal(await trimAcknowledged(t.redis, s), 0);
    assert.equal(await t.redis.xlen(s), 5);
    assert.equal(await trimAcknowledged(t.redis, t.keys.stream('sms.auth')), 0);
  });

  test('with two groups, keeps everything either group has not acknowledged or received', async () => {
    const s = t.keys.stream('sms.notice');
    await ensureGroup(t.redis, s, 'a');
    await ensureGroup(t.redis, s, 'b');
    const ids = await fill(s, 10);
    assert.equal(await trimAcknowledged(t.redis, s), 0, 'nothing delivered yet');

    // a: delivered 0..5, acknowledged 0,1,3,4,5 → entry 2 is still pending.
    assert.deepEqual(await read(s, 'a', 6), ids.slice(0, 6));
    await t.redis.xack(s, 'a', ids[0]!, ids[1]!, ids[3]!, ids[4]!, ids[5]!);
    // b: delivered and acknowledged 0..3 → entry 4 is the first it has not received.
    assert.deepEqual(await read(s, 'b', 4), ids.slice(0, 4));
    await t.redis.xack(s, 'b', ...ids.slice(0, 4));

    assert.equal(await trimAcknowledged(t.redis, s), 2);
    assert.deepEqual(
      (await t.redis.xrange(s, '-', '+')).map(([id]) => id),
      ids.slice(2),
    );
    assert.equal(await pendingCount(t.redis, s, 'a'), 1);
    assert.equal(await groupLag(t.redis, s, 'a'), 4);
    assert.equal(await groupLag(t.redis, s, 'b'), 6);

    // a acknowledges 2: now b's undelivered entry 4 bounds the trim.
    await t.redis.xack(s, 'a', ids[2]!);
    assert.equal(await trimAcknowledged(t.redis, s), 2);
    assert.equal((await t.redis.xrange(s, '-', '+'))[0]![0], ids[4]);

    // b receives everything but keeps entry 7 pending.
    assert.deepEqual(await read(s, 'b', 10), ids.slice(4));
    await t.redis.xack(s, 'b', ...ids.slice(4).filter((id) => id !== ids[7]));
    assert.equal(await trimAcknowledged(t.redis, s), 2, 'a still has 6..9 undelivered');
    assert.deepEqual(await read(s, 'a', 10), ids.slice(6));
    await t.redis.xack(s, 'a', ...ids.slice(6));
    assert.equal(await trimAcknowledged(t.redis, s), 1, 'entry 7 pending in b');
    assert.deepEqual(
      (await t.redis.xrange(s, '-', '+')).map(([id]) => id),
      ids.slice(7),
    );
    await t.redis.xack(s, 'b', ids[7]!);
    assert.equal(await trimAcknowledged(t.redis, s), 3);
    assert.equal(await t.redis.xlen(s), 0);

    // Entries appended after a full trim are kept until delivered and acknowledged.
    const later = await fill(s, 2);
    assert.equal(await trimAcknowledged(t.redis, s), 0);
    assert.deepEqual(
      (await t.redis.xrange(s, '-', '+')).map(([id]) => id),
      later,
    );
  });

  test('groupLag falls back to an upper bound when Redis cannot tell; pendingCount of missing is 0', async () => {
    const s = t.keys.stream('push.marketing');
    await ensureGroup(t.redis, s, 'g');
    const ids = await fill(s, 6);
    await read(s, 'g', 2);
    assert.equal(await groupLag(t.redis, s, 'g'), 4);
    await t.redis.xdel(s, ids[4]!); // a deletion inside the backlog makes XINFO's lag nil
    const info = (await t.redis.call('XINFO', 'GROUPS', s)) as unknown[][];
    assert.equal(info[0]![info[0]!.indexOf('lag') + 1], null);
    const lag = await groupLag(t.redis, s, 'g');
    assert.ok(lag >= 3 && lag <= 5, `lag ${lag}`);
    assert.equal(await groupLag(t.redis, s, 'other'), 5, 'a missing group lags by the whole stream');
    assert.equal(await groupLag(t.redis, t.keys.stream('push.auth'), 'g'), 0);
    assert.equal(await pendingCount(t.redis, t.keys.stream('push.auth'), 'g'), 0);
    assert.equal(await pendingCount(t.redis, s, 'nope'), 0);
  });
});
