import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { stepInput } from '../testkit/step-input.ts';
import { testRedis } from '../testkit/testkit.ts';
import { takeAppTokens } from './app-rate.ts';
import { createRateLimiter, type RateLimit, type RateLimiter, rateLimitStep } from './rate-limit.ts';

let r: Awaited<ReturnType<typeof testRedis>>;
let other: Redis;
before(async () => {
  r = await testRedis();
  other = new Redis(r.url, { maxRetriesPerRequest: 3 });
});
after(async () => {
  other.disconnect();
  await r.cleanup();
});

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * Hammers one account's bucket from several limiters (separate connections), 4 callers each,
 * for `ms`; a refused caller sleeps a little (not the full wait: we want to probe the bound).
 * Returns the grants and the elapsed time measured around all calls.
 */
async function hammer(limiters: RateLimiter[], accountId: number, limit: RateLimit, ms: number) {
  const start = Date.now();
  const until = start + ms;
  let granted = 0;
  const caller = async (l: RateLimiter) => {
    while (Date.now() < until) {
      const t = await l.take(accountId, limit);
      if (t.ok) granted++;
      else await sleep(Math.min(t.waitMs, 5));
    }
  };
  await Promise.all(limiters.flatMap((l) => [caller(l), caller(l), caller(l), caller(l)]));
  return { granted, seconds: (Date.now() - start) / 1000 };
}

describe('token bucket per account', () => {
  test('50/s burst 50 across 2 connections for ~3 s never grants more than rate×t + burst', async () => {
    const limiters = [r.redis, other].map((redis) => createRateLimiter({ redis, keys: r.keys }));
    const { granted, seconds } = await hammer(limiters, 1, { rate: 50, burst: 50 }, 3000);
    assert.ok(granted <= 50 * seconds + 50, `granted ${granted} in ${seconds}s`);
    // And it really grants near the rate (not starving). The floor is loose because on a loaded
    // 2-core CI machine the polling callers themselves can be starved; the ceiling is the property.
    assert.ok(granted >= 0.6 * (50 * 3 + 50), `only ${granted} granted in ${seconds}s`);
  });

  test('a refused caller that waits the given time gets its token', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    const limit = { rate: 20, burst: 1 };
    assert.deepEqual(await limiter.take(2, limit), { ok: true });
    const refused = await limiter.take(2, limit);
    assert.equal(refused.ok, false);
    const wait = refused.ok ? 0 : refused.waitMs;
    assert.ok(wait > 0 && wait <= 50, `wait ${wait}`);
    await sleep(wait + 5);
    assert.deepEqual(await limiter.take(2, limit), { ok: true });
  });

  test('refused callers are told spread-out waits (a backlog comes back at the rate)', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    const limit = { rate: 10, burst: 1 };
    await limiter.take(3, limit);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await limiter.take(3, limit);
      assert.equal(t.ok, false);
      if (!t.ok) waits.push(t.waitMs);
    }
    // ~100 ms, ~200 ms, … apart: each behind the ones already waiting.
    for (let i = 1; i < waits.length; i++) {
      const gap = waits[i]! - waits[i - 1]!;
      assert.ok(gap > 80 && gap <= 110, `waits ${waits.join(',')}`);
    }
  });

  test('cool-down lowers grants, and ends', async () => {
    const limiters = [r.redis, other].map((redis) => createRateLimiter({ redis, keys: r.keys }));
    const limit = { rate: 100, burst: 10 };
    const normal = await hammer(limiters, 4, limit, 1000);
    assert.ok(normal.granted >= 60, `normal ${normal.granted}`);
    await limiters[0]!.coolDown(4, 0.1, 1500);
    const cooled = await hammer(limiters, 4, limit, 1000);
    // 10/s with the tokens on hand dropped: at most ~rate×f×t + burst×f.
    assert.ok(cooled.granted <= 10 * cooled.seconds + 1 + 1, `cooled ${cooled.granted}`);
    assert.ok(cooled.granted >= 5, `cooled ${cooled.granted}`);
    // A second "rate limited" answer with a milder factor does not weaken the running cool-down.
    await limiters[1]!.coolDown(4, 0.9, 100);
    assert.equal(await r.redis.get(r.keys.accountCooldown(4)), '0.1');
    await sleep(600);
    const after = await hammer(limiters, 4, limit, 500);
    assert.ok(after.granted >= 20, `after ${after.granted}`);
  });

  test('coolDown rejects nonsense factors', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    await assert.rejects(limiter.coolDown(1, 0, 1000), RangeError);
    await assert.rejects(limiter.coolDown(1, 1.5, 1000), RangeError);
    await assert.rejects(limiter.coolDown(1, 0.5, 0), RangeError);
  });
});

describe('bookings (book)', () => {
  test('a refused holder keeps its place: it goes ahead at its time without another token', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    const limit = { rate: 20, burst: 1 };
    assert.deepEqual(await limiter.book(20, limit, 'a'), { ok: true });
    const b = await limiter.book(20, limit, 'b');
    const c = await limiter.book(20, limit, 'c');
    assert.ok(!b.ok && !c.ok);
    const bWait = b.ok ? 0 : b.waitMs;
    const cWait = c.ok ? 0 : c.waitMs;
    // b is booked one interval (50 ms) after a, c one after b; the windows allow for a busy
    // machine between the calls (each later call sees less of its wait left, never more).
    assert.ok(bWait > 0 && bWait <= 50, `b waits ${bWait}`);
    assert.ok(cWait - bWait > 25 && cWait - bWait <= 60, `c waits ${cWait}, b ${bWait}`);
    // Asking early: still booked, told the rest of the wait (no second booking).
    const early = await limiter.book(20, limit, 'b');
    assert.ok(!early.ok && early.waitMs <= bWait, JSON.stringify(early));
    await sleep(bWait + 5);
    // A newcomer asking now books behind c, it does not take b's token.
    const d = await limiter.book(20, limit, 'd');
    assert.ok(!d.ok && d.waitMs > cWait - bWait, JSON.stringify(d));
    assert.deepEqual(await limiter.book(20, limit, 'b'), { ok: true });
    await sleep(cWait - bWait + 5);
    assert.deepEqual(await limiter.book(20, limit, 'c'), { ok: true });
  });

  test('parked holders coming back on 100 ms ticks get the full rate, even with burst 1', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    const limit = { rate: 50, burst: 1 };
    // 100 deliveries asking at once, then each parked until its wait and moved back on the
    // next 100 ms tick (like the delayed mover).
    const due = new Map<string, number>(Array.from({ length: 100 }, (_, i) => [`m${i}`, 0]));
    const start = Date.now();
    let asks = 0;
    const grants: number[] = [];
    while (due.size > 0 && Date.now() - start < 10_000) {
      const now = Date.now();
      const ready = [...due].filter(([, at]) => at <= now).map(([id]) => id);
      await Promise.all(
        ready.map(async (id) => {
          asks++;
          const t = await limiter.book(21, limit, id);
          if (t.ok) {
            due.delete(id);
            grants.push(Date.now());
          } else due.set(id, Date.now() + t.waitMs);
        }),
      );
      await sleep(100);
    }
    const span = (Math.max(...grants) - start) / 1000;
    assert.equal(grants.length, 100);
    // 1 at once, 99 at 50/s: about 2 s (plus up to a tick), not more.
    assert.ok(span >= 1.9 && span <= 2.6, `100 at 50/s took ${span} s`);
    assert.ok(asks <= 100 + 100 + 10, `${asks} asks: parked holders were refused again`);
  });

  test('a booking not used within its grace lapses', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    const limit = { rate: 10, burst: 1 };
    await limiter.book(22, limit, 'a');
    const b = await limiter.book(22, limit, 'b');
    assert.equal(b.ok, false);
    const key = `${r.keys.accountRate(22)}:book`;
    assert.equal(await r.redis.zcard(key), 1);
    // Grace: max(250 ms, burst / rate) = 250 ms.
    await sleep((b.ok ? 0 : b.waitMs) + 250 + 50);
    await limiter.book(22, limit, 'c');
    assert.equal(await r.redis.zscore(key, 'b'), null, 'the lapsed booking is gone');
  });
});

describe('rateLimit step', () => {
  test('takes tokens of the template account from the live config; without one it delays', async () => {
    const step = rateLimitStep({ limiter: createRateLimiter({ redis: r.redis, keys: r.keys }) });
    const config = { rateLimits: { '7': { rate: 1, burst: 2 } } };
    const input = (id: string) => stepInput({ config, template: { accountId: 7 }, delivery: { id } });
    assert.equal((await step(input('a'))).kind, 'pass');
    assert.equal((await step(input('b'))).kind, 'pass');
    const v = await step(input('c'));
    assert.equal(v.kind, 'delay');
    if (v.kind === 'delay') {
      assert.equal(v.state, 'throttled');
      const wait = v.until - input('c').now;
      assert.ok(wait > 900 && wait <= 1000, `wait ${wait}`);
    }
  });

  test('accounts without a limit pass; the fallback supplies one', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    const free = rateLimitStep({ limiter });
    for (let i = 0; i < 5; i++)
      assert.equal((await free(stepInput({ template: { accountId: 8 } }))).kind, 'pass');
    const withFallback = rateLimitStep({ limiter, fallback: () => ({ rate: 1, burst: 1 }) });
    assert.equal((await withFallback(stepInput({ template: { accountId: 9 } }))).kind, 'pass');
    assert.equal((await withFallback(stepInput({ template: { accountId: 9 } }))).kind, 'delay');
    // The live config wins over the fallback.
    const config = { rateLimits: { '10': { rate: 1000, burst: 1000 } } };
    for (let i = 0; i < 5; i++) {
      assert.equal((await withFallback(stepInput({ config, template: { accountId: 10 } }))).kind, 'pass');
    }
  });
});

describe('takeAppTokens', () => {
  test('lets a rate through and answers retryAfterMs past it', async () => {
    assert.deepEqual(await takeAppTokens(r.redis, r.keys, 1, 5, 10), { ok: true });
    assert.deepEqual(await takeAppTokens(r.redis, r.keys, 1, 5, 10), { ok: true });
    const t = await takeAppTokens(r.redis, r.keys, 1, 5, 10);
    assert.equal(t.ok, false);
    if (!t.ok) assert.ok(t.retryAfterMs > 400 && t.retryAfterMs <= 500, `retry ${t.retryAfterMs}`);
  });

  test('a request larger than the burst passes on a full bucket and the debt is waited out', async () => {
    assert.deepEqual(await takeAppTokens(r.redis, r.keys, 2, 50, 10), { ok: true });
    const t = await takeAppTokens(r.redis, r.keys, 2, 1, 10);
    assert.equal(t.ok, false);
    if (!t.ok) assert.ok(t.retryAfterMs > 4000 && t.retryAfterMs <= 4100, `retry ${t.retryAfterMs}`);
  });

  test('no limit (null/0) always passes; apps are apart', async () => {
    for (let i = 0; i < 3; i++)
      assert.deepEqual(await takeAppTokens(r.redis, r.keys, 3, 1000, 0), { ok: true });
    assert.deepEqual(await takeAppTokens(r.redis, r.keys, 4, 10, 10), { ok: true });
  });
});
