import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SenderAccount } from '../channels/sender.ts';
import { createRateLimiter } from '../pipeline/rate-limit.ts';
import { testDelivery } from '../testkit/messages.ts';
import { testRedis } from '../testkit/testkit.ts';
import { createCallGate } from './call-gate.ts';

// For batch providers the route's concurrency and the account's rate limit count provider
// calls: the gate takes one token per call from the shared Redis bucket and one route slot.
describe('call gate of batch providers (real Redis token bucket)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(() => r.cleanup());

  const account = (id: number): SenderAccount => ({
    id,
    channel: 'sms',
    provider: 'tencent',
    config: {},
    updatedAt: 1,
  });
  const delivery = testDelivery({ channel: 'sms', messageType: 'notice' });

  test('each call takes one token: past the burst, calls wait for the bucket', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    const waits: number[] = [];
    const gate = createCallGate({
      concurrency: () => 10,
      limitOf: () => ({ rate: 20, burst: 3 }),
      limiter,
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((res) => setTimeout(res, ms));
      },
    });
    let calls = 0;
    await Promise.all(Array.from({ length: 6 }, () => gate(account(31), delivery, async () => calls++)));
    assert.equal(calls, 6);
    // Three calls ride the burst; the other three each waited at least once for a token.
    assert.ok(waits.length >= 3, `waits: ${waits}`);
    assert.ok(
      waits.every((w) => w > 0 && w <= 1000),
      `waits: ${waits}`,
    );
  });

  test('no limit: no token is asked for; the route slot caps calls in flight, live', async () => {
    const limiter = createRateLimiter({ redis: r.redis, keys: r.keys });
    let cap = 2;
    const gate = createCallGate({
      concurrency: () => cap,
      limitOf: () => undefined,
      limiter,
      sleep: async () => assert.fail('no wait without a limit'),
    });
    let inFlight = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const call = () =>
      gate(account(32), delivery, async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((res) => releases.push(res));
        inFlight--;
      });
    const running = Array.from({ length: 6 }, call);
    await new Promise((res) => setImmediate(res));
    assert.equal(inFlight, 2, 'two slots');
    cap = 4;
    releases.shift()!();
    await new Promise((res) => setTimeout(res, 0));
    await new Promise((res) => setImmediate(res));
    assert.ok(inFlight <= 4);
    while (releases.length || inFlight) {
      releases.shift()?.();
      await new Promise((res) => setImmediate(res));
    }
    await Promise.all(running);
    assert.ok(most <= 4 && most >= 2, `most in flight: ${most}`);
    // Another route has slots of its own.
    const other = testDelivery({ channel: 'sms', messageType: 'auth' });
    assert.equal(await gate(account(32), other, async () => 'ok'), 'ok');
  });
});
