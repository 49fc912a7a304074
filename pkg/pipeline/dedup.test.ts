import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { stepInput } from '../testkit/step-input.ts';
import { testRedis } from '../testkit/testkit.ts';
import { dedupContentStep } from './dedup-content.ts';
import { dedupFrequencyStep } from './dedup-frequency.ts';
import type { LiveConfig } from './live-config.ts';
import type { Step, StepResult } from './types.ts';

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

const dedup = (
  content: number,
  limit = 0,
  per: 'day' | 'window' = 'day',
  windowSec = 60,
): Partial<LiveConfig> => ({
  dedup: { contentWindowSec: content, frequency: { limit, per, windowSec } },
});

/** Runs `n` deliveries (ids `${tag}-i`) through alternating steps at once; returns the verdicts. */
async function burst(steps: Step[], n: number, tag: string, over: Parameters<typeof stepInput>[0]) {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      steps[i % steps.length]!(stepInput({ ...over, delivery: { ...over?.delivery, id: `${tag}-${i}` } })),
    ),
  ) as Promise<StepResult[]>;
}

describe('dedupContent', () => {
  test('off when the window is 0: nothing touches Redis', async () => {
    const step = dedupContentStep({ redis: r.redis, keys: r.keys });
    for (const id of ['a', 'b'])
      assert.equal((await step(stepInput({ delivery: { id }, config: dedup(0) }))).kind, 'pass');
    assert.deepEqual(await r.redis.keys(`${r.prefix}dd:*`), []);
  });

  test('the same content to the same receiver is sent once; other content or receivers pass', async () => {
    const step = dedupContentStep({ redis: r.redis, keys: r.keys });
    const config = dedup(60);
    const base = { config, delivery: { receiver: 'c1@x.com' }, rendered: { subject: 'Hi', text: 'code 1' } };
    assert.equal((await step(stepInput({ ...base, delivery: { ...base.delivery, id: 'A' } }))).kind, 'pass');
    const copy = await step(stepInput({ ...base, delivery: { ...base.delivery, id: 'B' } }));
    assert.deepEqual(copy.kind === 'drop' && [copy.state, copy.reason.includes('A')], [
      'dedup_content',
      true,
    ]);
    // Key order of the content does not matter: still the same content.
    const reordered = await step(
      stepInput({
        ...base,
        delivery: { ...base.delivery, id: 'C' },
        rendered: { text: 'code 1', subject: 'Hi' },
      }),
    );
    assert.equal(reordered.kind, 'drop');
    const otherText = stepInput({
      ...base,
      delivery: { ...base.delivery, id: 'D' },
      rendered: { text: 'code 2' },
    });
    assert.equal((await step(otherText)).kind, 'pass');
    const otherReceiver = stepInput({ ...base, delivery: { id: 'E', receiver: 'c2@x.com' } });
    assert.equal((await step(otherReceiver)).kind, 'pass');
  });

  test('a redelivery of the winning message passes again', async () => {
    const step = dedupContentStep({ redis: r.redis, keys: r.keys });
    const input = stepInput({ config: dedup(60), delivery: { id: 'W', receiver: 'redeliver@x.com' } });
    assert.equal((await step(input)).kind, 'pass');
    assert.equal((await step({ ...input, delivery: { ...input.delivery, attempt: 2 } })).kind, 'pass');
  });

  test('the window expires', async () => {
    const step = dedupContentStep({ redis: r.redis, keys: r.keys });
    const base = { config: dedup(1), delivery: { receiver: 'expire@x.com' } };
    assert.equal((await step(stepInput({ ...base, delivery: { ...base.delivery, id: 'X1' } }))).kind, 'pass');
    assert.equal((await step(stepInput({ ...base, delivery: { ...base.delivery, id: 'X2' } }))).kind, 'drop');
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await step(stepInput({ ...base, delivery: { ...base.delivery, id: 'X3' } }))).kind, 'pass');
  });

  test('100 identical deliveries at once from 2 connections: exactly one passes', async () => {
    const steps = [r.redis, other].map((redis) => dedupContentStep({ redis, keys: r.keys }));
    const verdicts = await burst(steps, 100, 'race', {
      config: dedup(60),
      delivery: { receiver: 'race@x.com' },
    });
    const passed = verdicts.filter((v) => v.kind === 'pass');
    assert.equal(passed.length, 1);
    assert.ok(verdicts.every((v) => v.kind === 'pass' || (v.kind === 'drop' && v.state === 'dedup_content')));
    // Checked again (redelivery), every message gets the same verdict: the winner still passes.
    const again = await burst(steps, 100, 'race', {
      config: dedup(60),
      delivery: { receiver: 'race@x.com' },
    });
    assert.deepEqual(
      again.map((v) => v.kind),
      verdicts.map((v) => v.kind),
    );
  });
});

describe('dedupFrequency', () => {
  test('off when the limit is 0', async () => {
    const step = dedupFrequencyStep({ redis: r.redis, keys: r.keys });
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await step(stepInput({ delivery: { id: `off-${i}` }, config: dedup(0, 0) }))).kind,
        'pass',
      );
    }
  });

  test('per day: at most N per receiver and channel; other receivers and channels are apart', async () => {
    const step = dedupFrequencyStep({ redis: r.redis, keys: r.keys });
    const config = dedup(0, 2, 'day');
    const send = (id: string, receiver = 'f@x.com', channel: 'sandbox' | 'email' = 'sandbox') =>
      step(stepInput({ config, delivery: { id, receiver, channel } }));
    assert.equal((await send('f1')).kind, 'pass');
    assert.equal((await send('f2')).kind, 'pass');
    const third = await send('f3');
    assert.deepEqual(third.kind === 'drop' && third.state, 'dedup_frequency');
    assert.equal((await send('g1', 'g@x.com')).kind, 'pass');
    assert.equal((await send('e1', 'f@x.com', 'email')).kind, 'pass');
    // Redelivered messages already counted pass again and are not counted twice.
    assert.equal((await send('f1')).kind, 'pass');
    assert.equal((await send('f2')).kind, 'pass');
    assert.equal((await send('f4')).kind, 'drop');
  });

  test("per day: the day is the platform zone's, so a new local day starts afresh", async () => {
    const step = dedupFrequencyStep({ redis: r.redis, keys: r.keys });
    const config = dedup(0, 1, 'day');
    // 15:59Z and 16:00Z are 23:59 and 00:00 in Shanghai: two different days.
    const at = (id: string, iso: string) =>
      step(stepInput({ config, now: Date.parse(iso), delivery: { id, receiver: 'day@x.com' } }));
    assert.equal((await at('d1', '2026-01-01T15:59:00Z')).kind, 'pass');
    assert.equal((await at('d2', '2026-01-01T15:59:30Z')).kind, 'drop');
    assert.equal((await at('d3', '2026-01-01T16:00:00Z')).kind, 'pass');
  });

  test('rolling window: the count frees up as messages age out', async () => {
    const step = dedupFrequencyStep({ redis: r.redis, keys: r.keys });
    const config = dedup(0, 2, 'window', 1);
    const send = (id: string) => step(stepInput({ config, delivery: { id, receiver: 'roll@x.com' } }));
    assert.equal((await send('r1')).kind, 'pass');
    assert.equal((await send('r2')).kind, 'pass');
    assert.equal((await send('r3')).kind, 'drop');
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await send('r4')).kind, 'pass');
  });

  test('100 deliveries at once from 2 connections with limit 3: exactly three pass', async () => {
    const steps = [r.redis, other].map((redis) => dedupFrequencyStep({ redis, keys: r.keys }));
    const verdicts = await burst(steps, 100, 'cap', {
      config: dedup(0, 3),
      delivery: { receiver: 'cap@x.com' },
    });
    assert.equal(verdicts.filter((v) => v.kind === 'pass').length, 3);
  });
});
