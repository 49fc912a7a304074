import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { createIdempotency } from './idempotency.ts';

describe('idempotency records', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(() => r.cleanup());

  test('a request whose process died mid-run: the retry after the running TTL keeps the first time (same ids)', async () => {
    const idem = createIdempotency({ redis: r.redis, keys: r.keys, runningTtlMs: 300 });
    const first = await idem.begin(1, 'order-1', 'h1', 1_000);
    assert.deepEqual(first, { kind: 'new', firstAt: 1_000 });
    // The process is SIGKILLed here: neither complete() nor fail() runs.
    assert.deepEqual(await idem.begin(1, 'order-1', 'h1', 1_100), { kind: 'running' });
    // Past the running TTL the retry takes over with the first attempt's time, so it regenerates
    // the message ids the dead request may have enqueued (a record that simply expired would
    // start over with a new time: new ids, the same messages enqueued twice).
    const retry = await waitFor(
      'the retry to be let through',
      async () => {
        const b = await idem.begin(1, 'order-1', 'h1', Date.now());
        return b.kind === 'running' ? undefined : b;
      },
      5000,
      50,
    );
    assert.deepEqual(retry, { kind: 'new', firstAt: 1_000 });
    // Taken over: a second retry while it runs is told to come back.
    assert.deepEqual(await idem.begin(1, 'order-1', 'h1', Date.now()), { kind: 'running' });
    await idem.complete(1, 'order-1', 'h1', 1_000, 202, { ok: true });
    assert.deepEqual(await idem.begin(1, 'order-1', 'h1', Date.now()), {
      kind: 'replay',
      status: 202,
      body: { ok: true },
    });
  });
});
