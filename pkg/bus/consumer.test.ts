import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectRedis, type RedisClient as Redis } from '../redis/client.ts';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { type Consumer, type ConsumerOptions, startConsumer } from './consumer.ts';
import { decodeMember } from './delayed.ts';
import { type Entry, fieldsOf, type Settlement } from './entry.ts';
import { pendingCount } from './lag.ts';
import { publish } from './publish.ts';

const GROUP = 'handlers';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startConsumer', () => {
  let t: Awaited<ReturnType<typeof testRedis>>;
  const opened: Redis[] = [];
  const running: Consumer[] = [];
  before(async () => {
    t = await testRedis();
  });
  after(async () => {
    await Promise.all(running.map((c) => c.stop()));
    for (const r of opened) r.disconnect();
    await t.cleanup();
  });

  /** A consumer with test-sized timeouts; every option can be overridden. */
  const start = async (o: Partial<ConsumerOptions> & Pick<ConsumerOptions, 'streams' | 'handle'>) => {
    const blocking = connectRedis(t.url, 'blocking');
    opened.push(blocking);
    const c = await startConsumer({
      redis: t.redis,
      blocking,
      group: GROUP,
      consumer: `c${running.length}`,
      concurrency: () => 4,
      delayedKeyOf: (s) => s.replace(':d:', ':dl:'),
      deadKeyOf: (s) => s.replace(':d:', ':dlq:'),
      blockMs: 200,
      visibilityTimeoutMs: 200,
      janitorIntervalMs: 50,
      maxDeliveries: 5,
      stopTimeoutMs: 2000,
      ...o,
    });
    running.push(c);
    return c;
  };
  const fill = (s: string, n: number) =>
    publish(
      t.redis,
      Array.from({ length: n }, (_, i) => ({ stream: s, fields: { n: String(i) } })),
    );

  test('handles every entry once and acknowledges it', async () => {
    const s = t.keys.stream('email.notice');
    const seen: Entry[] = [];
    const c = await start({
      streams: [s],
      handle: async (e) => {
        seen.push(e);
        return { kind: 'ack' };
      },
    });
    const ids = await fill(s, 20);
    await waitFor('all acked', () => c.counters().acked === 20);
    assert.deepEqual(seen.map((e) => e.id).sort(), [...ids].sort());
    assert.ok(seen.every((e) => e.stream === s && e.deliveries === 1));
    assert.deepEqual(seen.find((e) => e.id === ids[3])!.fields, { n: '3' });
    assert.equal(await pendingCount(t.redis, s, GROUP), 0);
    await c.stop();
    assert.equal(c.counters().inFlight, 0);
    assert.equal(c.counters().read, 20);
  });

  test('at least once: an entry whose handler threw is redelivered after the visibility timeout', async () => {
    const s = t.keys.stream('email.marketing');
    const calls: Entry[] = [];
    const errors: Array<[unknown, Entry | undefined]> = [];
    const c = await start({
      streams: [s],
      handle: async (e) => {
        calls.push(e);
        if (calls.length === 1) throw new Error('provider exploded');
        return { kind: 'ack' };
      },
      onError: (err, e) => errors.push([err, e]),
    });
    const [id] = await fill(s, 1);
    await waitFor('failed once', () => errors.length === 1);
    assert.equal(errors[0]![1]!.id, id);
    assert.equal(await pendingCount(t.redis, s, GROUP), 1, 'not acknowledged after throwing');
    const failedAt = Date.now();
    await waitFor('redelivered and acked', () => c.counters().acked === 1);
    assert.ok(Date.now() - failedAt >= 150, 'waited for the visibility timeout');
    assert.deepEqual(
      calls.map((e) => [e.id, e.deliveries]),
      [
        [id, 1],
        [id, 2],
      ],
    );
    assert.equal(c.counters().claimed, 1);
    assert.equal(await pendingCount(t.redis, s, GROUP), 0);
  });

  test('acknowledges only after the settlement; stop mid-handle leaves the entry pending', async () => {
    const s = t.keys.stream('sms.notice');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = 0;
    const c = await start({
      streams: [s],
      janitor: false,
      stopTimeoutMs: 150,
      handle: async () => {
        started++;
        await gate;
        return { kind: 'ack' };
      },
    });
    await fill(s, 1);
    await waitFor('handle started', () => started === 1);
    await sleep(50);
    assert.equal(await pendingCount(t.redis, s, GROUP), 1, 'pending while handle runs');
    const t0 = Date.now();
    await c.stop();
    assert.ok(Date.now() - t0 < 1000, 'stop bounded by its timeout');
    assert.equal(await pendingCount(t.redis, s, GROUP), 1, 'still pending after stop');
    assert.equal(c.counters().acked, 0);
    release();
    await waitFor('late settlement acknowledges', async () => (await pendingCount(t.redis, s, GROUP)) === 0);
  });

  test('delay settlement acknowledges and parks the new fields atomically, once', async () => {
    const s = t.keys.stream('sms.marketing');
    const dueAt = Date.now() + 60_000;
    const c = await start({
      streams: [s],
      handle: async (e) => ({ kind: 'delay', dueAt, fields: { ...e.fields, att: '2' } }),
    });
    const [id] = await fill(s, 1);
    await waitFor('delayed', () => c.counters().delayed === 1);
    const dl = s.replace(':d:', ':dl:');
    const members = await t.redis.zrange(dl, 0, -1, 'WITHSCORES');
    assert.equal(members.length, 2);
    assert.deepEqual(decodeMember(members[0]!), { n: '0', att: '2' });
    assert.equal(Number(members[1]), dueAt);
    assert.equal(await pendingCount(t.redis, s, GROUP), 0);
    // A second settlement of the same (no longer pending) entry writes nothing.
    const { settle } = await import('./settle.ts');
    const again = await settle(
      t.redis,
      { group: GROUP, delayedKey: dl, deadKey: 'unused' },
      { stream: s, id: id! },
      { kind: 'delay', dueAt, fields: { n: '0', att: '3' } },
    );
    assert.equal(again, false);
    assert.equal(await t.redis.zcard(dl), 1);
  });

  test('dead settlement acknowledges and appends to the dead letters atomically, once', async () => {
    const s = t.keys.stream('webhook.notice');
    const c = await start({
      streams: [s],
      handle: async (e): Promise<Settlement> => ({ kind: 'dead', fields: { ...e.fields, reason: 'bad' } }),
    });
    const [id] = await fill(s, 1);
    await waitFor('dead', () => c.counters().dead === 1);
    const dlq = s.replace(':d:', ':dlq:');
    const dead = await t.redis.xrange(dlq, '-', '+');
    assert.equal(dead.length, 1);
    assert.deepEqual(fieldsOf(dead[0]![1]), { n: '0', reason: 'bad' });
    assert.equal(await pendingCount(t.redis, s, GROUP), 0);
    const { settle } = await import('./settle.ts');
    assert.equal(
      await settle(
        t.redis,
        { group: GROUP, delayedKey: 'unused', deadKey: dlq },
        { stream: s, id: id! },
        {
          kind: 'dead',
          fields: { n: '0' },
        },
      ),
      false,
    );
    assert.equal(await t.redis.xlen(dlq), 1);
  });

  test('an entry delivered maxDeliveries times goes to the dead letters with dlq_reason', async () => {
    const s = t.keys.stream('wecom_robot.notice');
    const deliveries: number[] = [];
    const exhausted: Entry[] = [];
    const c = await start({
      streams: [s],
      maxDeliveries: 3,
      handle: async (e) => {
        deliveries.push(e.deliveries);
        throw new Error('always fails');
      },
      onExhausted: (e) => {
        exhausted.push(e);
      },
    });
    const [id] = await fill(s, 1);
    await waitFor('exhausted', () => exhausted.length === 1, 5000);
    assert.deepEqual(deliveries, [1, 2, 3]);
    assert.equal(exhausted[0]!.id, id);
    assert.deepEqual(exhausted[0]!.fields, { n: '0' });
    const dead = await t.redis.xrange(s.replace(':d:', ':dlq:'), '-', '+');
    assert.equal(dead.length, 1);
    assert.deepEqual(fieldsOf(dead[0]![1]), { n: '0', dlq_reason: 'max_deliveries' });
    assert.equal(await pendingCount(t.redis, s, GROUP), 0);
    assert.equal(c.counters().exhausted, 1);
    await sleep(300);
    assert.equal(deliveries.length, 3, 'never handled again');
  });

  test("a crashed consumer's entries are claimed by a live one after the visibility timeout", async () => {
    const s = t.keys.stream('dingtalk_work.notice');
    const [id] = await fill(s, 3);
    const { ensureGroup } = await import('./publish.ts');
    await ensureGroup(t.redis, s, GROUP);
    // "crashed" reads 2 entries and never acknowledges them.
    await t.redis.xreadgroup('GROUP', GROUP, 'crashed', 'COUNT', 2, 'STREAMS', s, '>');
    const seen: Entry[] = [];
    const c = await start({
      streams: [s],
      handle: async (e) => {
        seen.push(e);
        return { kind: 'ack' };
      },
    });
    await waitFor('all 3 handled', () => c.counters().acked === 3);
    assert.equal(c.counters().read, 1);
    assert.equal(c.counters().claimed, 2);
    assert.equal(seen.find((e) => e.id === id)!.deliveries, 2);
    assert.equal(await pendingCount(t.redis, s, GROUP), 0);
  });

  test('a handler returning no valid settlement leaves the entry pending and reports it', async () => {
    const s = t.keys.stream('wechat_official.notice');
    const errors: unknown[] = [];
    const c = await start({
      streams: [s],
      janitor: false,
      handle: async () => ({ kind: 'bogus' }) as unknown as Settlement,
      onError: (err) => errors.push(err),
    });
    await fill(s, 1);
    await waitFor('reported', () => errors.length === 1);
    assert.match(String(errors[0]), /unknown settlement "bogus"/);
    assert.equal(c.counters().acked + c.counters().stale, 0);
    assert.equal(await pendingCount(t.redis, s, GROUP), 1);
  });
});
