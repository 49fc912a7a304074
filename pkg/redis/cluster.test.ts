import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Consumer, startConsumer } from '../bus/consumer.ts';
import { type Entry, fieldsOf } from '../bus/entry.ts';
import { pendingCount } from '../bus/lag.ts';
import { publish } from '../bus/publish.ts';
import { type LocalCluster, startRedisCluster } from '../testkit/redis-cluster.ts';
import { randomTag, waitFor } from '../testkit/testkit.ts';
import { connectRedis, isCluster, type RedisClient } from './client.ts';
import { keyCommand, pipelineAnySlot, readGroupStreams, scanKeys, slotOf } from './cluster.ts';
import { createKeys } from './keys.ts';
import { subscribe } from './subscription.ts';

// The Cluster-only code paths of pkg/redis/cluster.ts and the bus consumer on a real local
// 3-master cluster, with keys of several slots in every call.
describe('Redis Cluster helpers (3 local masters)', () => {
  let cluster: LocalCluster;
  let redis: RedisClient;
  let blocking: RedisClient;
  const k = createKeys(`t${randomTag()}:`);
  // On the even 3-master split these are on masters 2, 1, 3 and 2 (slots 10798, 2593, 14584, 6308).
  const routes = ['email.notice', 'email.marketing', 'webhook.notice', 'sms.auth'] as const;
  const streams = routes.map((r) => k.stream(r));

  before(async () => {
    cluster = await startRedisCluster();
    const target = { redisUrl: 'redis://127.0.0.1:1', redisClusterNodes: cluster.nodes };
    redis = connectRedis(target, 'command');
    blocking = connectRedis(target, 'blocking');
    await redis.ping();
  });
  after(async () => {
    redis?.disconnect();
    blocking?.disconnect();
    await cluster?.stop();
  });

  test('the streams of the test are on different slots and nodes, and slotOf agrees with CLUSTER KEYSLOT', async () => {
    assert.ok(isCluster(redis));
    for (const s of streams) assert.equal(slotOf(s), Number(await redis.cluster('KEYSLOT', s)));
    assert.equal(new Set(streams.map(slotOf)).size, streams.length);
    assert.equal(slotOf(k.stream('sms.auth')), slotOf(k.delayed('sms.auth')));
    // A plain pipeline over several nodes is what ioredis refuses: the reason for pipelineAnySlot.
    const plain = redis.pipeline();
    for (const s of streams) plain.xlen(s);
    await assert.rejects(plain.exec(), /same slots allocation group/);
  });

  test('publish (pipelineAnySlot) and XGROUP/XINFO (keyCommand) work across slots; scanKeys sees every master', async () => {
    const ids = await publish(
      redis,
      streams.map((stream, i) => ({ stream, fields: { n: String(i) } })),
    );
    assert.equal(ids.length, streams.length);
    for (const s of streams) {
      await keyCommand(redis, s, ['XGROUP', 'CREATE', s, 'g', '0', 'MKSTREAM']);
      await assert.rejects(keyCommand(redis, s, ['XGROUP', 'CREATE', s, 'g', '0', 'MKSTREAM']), /BUSYGROUP/);
      const groups = (await keyCommand(redis, s, ['XINFO', 'GROUPS', s])) as unknown[][];
      assert.equal(fieldsOf(groups[0]!.map(String)).name, 'g');
    }
    const results = await pipelineAnySlot(redis)
      .xlen(streams[0]!)
      .xlen(streams[1]!)
      .xadd(streams[2]!, 'MAXLEN', 'x', '*', 'a', '1') // a bad argument: its own error, in its place
      .exec();
    assert.deepEqual(
      results?.map(([err, v]) => (err ? 'error' : v)),
      [1, 1, 'error'],
    );
    assert.deepEqual((await scanKeys(redis, `${k.prefix}*`)).sort(), [...streams].sort());
  });

  test('readGroupStreams reads streams of several slots; an empty read answers null within the poll time', async () => {
    const head = ['GROUP', 'g', 'c1', 'COUNT', 10] as const;
    const reply = await readGroupStreams(
      blocking,
      head,
      streams,
      streams.map(() => '>'),
      1000,
    );
    assert.deepEqual(reply?.map(([s]) => s).sort(), [...streams].sort());
    const t0 = Date.now();
    assert.equal(
      await readGroupStreams(
        blocking,
        head,
        streams,
        streams.map(() => '>'),
        1000,
      ),
      null,
    );
    assert.ok(Date.now() - t0 < 900, 'polled, not blocked for blockMs');
    // One slot: a real blocking read, woken by an append.
    const one = [streams[0]!];
    const read = readGroupStreams(blocking, head, one, ['>'], 5000);
    await publish(redis, [{ stream: streams[0]!, fields: { late: '1' } }]);
    assert.equal((await read)?.[0]?.[0], streams[0]);
  });

  test('pub/sub: a subscription on one node hears what is published on another', async () => {
    const got: string[] = [];
    let ready = false;
    const sub = subscribe({
      target: { redisUrl: 'redis://127.0.0.1:1', redisClusterNodes: cluster.nodes },
      channel: k.appChanged(),
      onMessage: (m) => got.push(m),
      onReady: () => {
        ready = true;
      },
      onError: (err) => assert.fail(String(err)),
    });
    assert.ok(isCluster(redis));
    const masters = redis.nodes('master');
    const numsub = async (node: (typeof masters)[number]) =>
      Number(((await node.call('PUBSUB', 'NUMSUB', k.appChanged())) as [string, number])[1]);
    try {
      await waitFor(
        'subscribed',
        async () => ready && (await Promise.all(masters.map(numsub))).some((n) => n > 0),
      );
      assert.equal((await Promise.all(masters.map(numsub))).filter((n) => n > 0).length, 1);
      // Published on every master in turn: the two without the subscriber pass it on.
      for (const [i, node] of masters.entries()) {
        await node.publish(k.appChanged(), `m${i}`);
        await waitFor(`message from master ${i}`, () => got.includes(`m${i}`));
      }
    } finally {
      await sub.close();
    }
  });

  test('a bus consumer over streams of every node handles each entry once and stops promptly', async () => {
    const seen: Entry[] = [];
    const many = routes.map((r) => k.stream(r).replace(':d:', ':dc:'));
    const c: Consumer = await startConsumer({
      redis,
      blocking,
      streams: many,
      group: 'handlers',
      consumer: 'c1',
      concurrency: () => 4,
      handle: async (e) => {
        seen.push(e);
        return { kind: 'ack' };
      },
      delayedKeyOf: (s) => s.replace(':dc:', ':dl:'),
      deadKeyOf: (s) => s.replace(':dc:', ':dlq:'),
      blockMs: 1000,
      visibilityTimeoutMs: 1000,
    });
    await publish(
      redis,
      Array.from({ length: 40 }, (_, i) => ({ stream: many[i % many.length]!, fields: { n: String(i) } })),
    );
    await waitFor('40 handled', () => seen.length >= 40, 10_000);
    assert.equal(new Set(seen.map((e) => `${e.stream}/${e.id}`)).size, 40);
    await waitFor('all acknowledged', async () =>
      (await Promise.all(many.map((s) => pendingCount(redis, s, 'handlers')))).every((n) => n === 0),
    );
    const t0 = Date.now();
    await c.stop();
    assert.ok(Date.now() - t0 < 900, `stop took ${Date.now() - t0} ms`);
    assert.equal(c.counters().errors, 0);
  });
});
