import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectRedis, type RedisClient as Redis } from '../redis/client.ts';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { type Consumer, type ConsumerOptions, startConsumer } from './consumer.ts';
import { pendingCount } from './lag.ts';
import { publish } from './publish.ts';

const GROUP = 'handlers';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts concurrent calls of a handler, overall and at its peak. */
function gauge() {
  let now = 0;
  let peak = 0;
  return {
    enter() {
      now++;
      peak = Math.max(peak, now);
    },
    leave() {
      now--;
    },
    get now() {
      return now;
    },
    get peak() {
      return peak;
    },
    reset() {
      peak = now;
    },
  };
}

describe('consumer concurrency and shutdown', () => {
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

  test('never runs more than the concurrency, and leaves the backlog in Redis', async () => {
    const s = t.keys.stream('email.notice');
    const g = gauge();
    let maxPending = 0;
    const c = await start({
      streams: [s],
      concurrency: () => 3,
      handle: async () => {
        g.enter();
        maxPending = Math.max(maxPending, await pendingCount(t.redis, s, GROUP));
        await sleep(15);
        g.leave();
        return { kind: 'ack' };
      },
    });
    await fill(s, 40);
    await waitFor('all acked', () => c.counters().acked === 40);
    assert.equal(g.peak, 3);
    assert.ok(maxPending <= 3, `read no more than it could work on (pending peaked at ${maxPending})`);
  });

  test('a concurrency change at runtime takes effect, up and down', async () => {
    const s = t.keys.stream('sms.notice');
    const g = gauge();
    let limit = 1;
    const c = await start({
      streams: [s],
      concurrency: () => limit,
      handle: async () => {
        g.enter();
        await sleep(20);
        g.leave();
        return { kind: 'ack' };
      },
    });
    await fill(s, 400);
    await waitFor('a few done', () => c.counters().acked >= 5);
    assert.equal(g.peak, 1);
    limit = 6;
    await waitFor('runs 6 at once', () => g.now === 6, 3000, 5);
    limit = 2;
    await waitFor('drained down to 2', () => g.now <= 2, 3000, 5);
    g.reset();
    const at = c.counters().acked;
    await waitFor('more done at 2', () => c.counters().acked >= at + 10);
    assert.ok(g.peak <= 2, `peak ${g.peak} after lowering to 2`);
    limit = 0; // paused: work already taken finishes, nothing new is read
    // A read already on the wire when the limit dropped still hands over what it took (those
    // entries are this consumer's now): idle = no read on the wire and nothing in flight.
    await waitFor('idle', () => c.counters().reading === 0 && c.counters().inFlight === 0, 3000, 5);
    const paused = c.counters().acked;
    await sleep(150);
    assert.equal(c.counters().acked, paused);
    limit = 50;
    await waitFor('rest done', () => c.counters().acked === 400, 10_000);
    assert.ok(g.peak <= 50);
  });

  test('a saturated slow stream does not hold back another stream', async () => {
    const slow = t.keys.stream('sms.marketing');
    const fast = t.keys.stream('email.auth');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let fastDone = 0;
    const c = await start({
      streams: [slow, fast],
      concurrency: (s) => (s === slow ? 2 : 5),
      handle: async (e) => {
        if (e.stream === slow) await gate;
        else fastDone++;
        return { kind: 'ack' };
      },
    });
    await fill(slow, 10);
    await fill(fast, 30);
    await waitFor('fast stream done while slow is stuck', () => fastDone === 30);
    assert.equal(await pendingCount(t.redis, slow, GROUP), 2, 'slow stream read only its 2 slots');
    release();
    await waitFor('slow done', () => c.counters().acked === 40);
  });

  test('a live but slow handler keeps its entry: no other consumer takes it over', async () => {
    const s = t.keys.stream('wecom_app.notice');
    const calls: string[] = [];
    const handle = async (): Promise<{ kind: 'ack' }> => {
      calls.push('x');
      await sleep(700); // longer than the 200 ms visibility timeout
      return { kind: 'ack' };
    };
    const a = await start({ streams: [s], handle });
    await fill(s, 1);
    await waitFor('a started', () => calls.length === 1);
    const b = await start({ streams: [s], handle });
    await waitFor('acked', () => a.counters().acked === 1, 3000);
    assert.equal(calls.length, 1, 'handled once');
    assert.equal(b.counters().claimed, 0);
  });

  test('stop: reading ends at once, running work finishes, queued work stays pending', async () => {
    const s = t.keys.stream('feishu_robot.notice');
    let started = 0;
    let limit = 3;
    const c = await start({
      streams: [s],
      blockMs: 5000, // stop must not wait for the block to time out
      concurrency: () => limit,
      handle: async () => {
        started++;
        await sleep(150);
        return { kind: 'ack' };
      },
    });
    // The loop now blocks reading up to 3; the janitor pass applies the lower limit meanwhile,
    // so of the 3 entries read, 1 runs and 2 wait behind the limiter.
    await sleep(50);
    limit = 1;
    await sleep(150);
    // In one transaction, so the blocked read is served all 3 at once.
    await t.redis.multi().xadd(s, '*', 'n', '0').xadd(s, '*', 'n', '1').xadd(s, '*', 'n', '2').exec();
    await waitFor('1 running', () => started === 1);
    await waitFor('3 taken', () => c.counters().inFlight === 3);
    const t0 = Date.now();
    await c.stop();
    assert.ok(Date.now() - t0 < 1000, `stop took ${Date.now() - t0} ms`);
    assert.equal(c.counters().acked, 1, 'running work finished before stop resolved');
    assert.equal(started, 1, 'queued work never started');
    assert.equal(await pendingCount(t.redis, s, GROUP), 2, 'queued work left pending for a janitor');
    await fill(s, 2);
    await sleep(100);
    assert.equal(c.counters().read, 3, 'nothing read after stop');
  });

  test('stop with an idle consumer returns promptly although XREADGROUP blocks for seconds', async () => {
    const s = t.keys.stream('dingtalk_robot.notice');
    const c = await start({ streams: [s], blockMs: 10_000, handle: async () => ({ kind: 'ack' }) });
    await sleep(50);
    const t0 = Date.now();
    await c.stop();
    assert.ok(Date.now() - t0 < 500, `stop took ${Date.now() - t0} ms`);
  });
});
