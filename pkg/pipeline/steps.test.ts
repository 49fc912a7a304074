import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stepInput } from '../testkit/step-input.ts';
import { testRedis } from '../testkit/testkit.ts';
import { discardStep } from './discard.ts';
import { createSteps } from './steps.ts';
import { namedStep, runSteps, type Step } from './types.ts';
import { whitelistStep } from './whitelist.ts';

describe('discard', () => {
  const step = discardStep();
  test('drops templates on the list, passes the others', async () => {
    const config = { discardTemplateIds: [3, 9] };
    const r = await step(stepInput({ delivery: { templateId: 3 }, config }));
    assert.deepEqual(r.kind === 'drop' && r.state, 'discarded');
    assert.deepEqual(await step(stepInput({ delivery: { templateId: 4 }, config })), { kind: 'pass' });
    assert.deepEqual(await step(stepInput({ delivery: { templateId: 3 } })), { kind: 'pass' });
  });
  test('a new config value applies to the next delivery', async () => {
    const input = stepInput({ delivery: { templateId: 5 }, config: { discardTemplateIds: [1] } });
    assert.equal((await step(input)).kind, 'pass');
    assert.equal(
      (await step({ ...input, config: { ...input.config, discardTemplateIds: [5] } })).kind,
      'drop',
    );
  });
});

describe('whitelist', () => {
  const step = whitelistStep();
  const on = (receivers: string[]) => ({ whitelist: { enabled: true, receivers } });
  test('disabled passes everyone', async () => {
    const config = { whitelist: { enabled: false, receivers: ['a@x.com'] } };
    assert.equal((await step(stepInput({ delivery: { receiver: 'z@x.com' }, config }))).kind, 'pass');
  });
  test('enabled passes listed receivers only', async () => {
    const config = on(['a@x.com', '+8613800138000']);
    assert.equal((await step(stepInput({ delivery: { receiver: 'a@x.com' }, config }))).kind, 'pass');
    const r = await step(stepInput({ delivery: { receiver: 'b@x.com' }, config }));
    assert.deepEqual(r.kind === 'drop' && r.state, 'blocked_whitelist');
  });
  test('matches receivers in their normal form per channel', async () => {
    const config = on(['A@X.com', '13800138000']);
    const email = stepInput({ delivery: { channel: 'email', receiver: 'a@x.COM' }, config });
    assert.equal((await step(email)).kind, 'pass');
    const sms = stepInput({ delivery: { channel: 'sms', receiver: '+8613800138000' }, config });
    assert.equal((await step(sms)).kind, 'pass');
    // The sandbox channel keeps receivers as given: case matters there.
    const sandbox = stepInput({ delivery: { channel: 'sandbox', receiver: 'a@x.COM' }, config });
    assert.equal((await step(sandbox)).kind, 'drop');
  });
  test('an empty enabled whitelist blocks everyone', async () => {
    assert.equal((await step(stepInput({ config: on([]) }))).kind, 'drop');
  });
});

describe('runSteps', () => {
  const seen: string[] = [];
  const pass = (n: string): Step =>
    namedStep(n, () => {
      seen.push(n);
      return { kind: 'pass' };
    });
  test('first verdict other than pass wins; later steps do not run', async () => {
    seen.length = 0;
    const stop = namedStep('stop', async () => {
      seen.push('stop');
      return { kind: 'drop', state: 'discarded', reason: 'x' };
    });
    const r = await runSteps([pass('a'), stop, pass('b')], stepInput());
    assert.deepEqual(r, { kind: 'drop', state: 'discarded', reason: 'x', step: 'stop' });
    assert.deepEqual(seen, ['a', 'stop']);
  });
  test('all pass → pass', async () => {
    assert.deepEqual(await runSteps([pass('a'), pass('b')], stepInput()), { kind: 'pass' });
  });
  test('a throwing step rejects (the handler retries the delivery)', async () => {
    const boom = namedStep('boom', () => {
      throw new Error('redis down');
    });
    await assert.rejects(runSteps([boom], stepInput()), /redis down/);
  });
});

describe('createSteps', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(() => r.cleanup());

  test('the chain in the handler order', () => {
    const steps = createSteps({ redis: r.redis, keys: r.keys });
    assert.deepEqual(
      steps.map((s) => s.name),
      ['discard', 'whitelist', 'sensitive', 'quietHours', 'dedupContent', 'dedupFrequency', 'rateLimit'],
    );
  });

  test('a discarded delivery stops at discard and takes no rate-limit token', async () => {
    const steps = createSteps({ redis: r.redis, keys: r.keys });
    const config = { discardTemplateIds: [1], rateLimits: { '1': { rate: 1, burst: 1 } } };
    const v = await runSteps(steps, stepInput({ config }));
    assert.deepEqual([v.kind, v.kind !== 'pass' && v.step], ['drop', 'discard']);
    assert.equal(await r.redis.exists(r.keys.accountRate(1)), 0);
  });

  test('a blocked delivery stops at sensitive; a masked one is deduplicated by what is sent', async () => {
    const steps = createSteps({ redis: r.redis, keys: r.keys });
    const config = {
      sensitiveWords: { words: ['foo', 'bar'] },
      dedup: { contentWindowSec: 60, frequency: { limit: 0, per: 'day' as const, windowSec: 60 } },
    };
    const blocked = await runSteps(
      steps,
      stepInput({
        delivery: { id: 'S0' },
        template: { sensitive: 'block' },
        config,
        rendered: { text: 'a foo' },
      }),
    );
    assert.deepEqual(blocked, {
      kind: 'drop',
      state: 'blocked_sensitive',
      reason: 'blocked: 1 match (text)',
      step: 'sensitive',
    });
    const masked = (id: string, text: string) =>
      runSteps(
        steps,
        stepInput({
          delivery: { id, receiver: 'dee@x.com' },
          template: { sensitive: 'mask' },
          config,
          rendered: { text },
        }),
      );
    assert.deepEqual(await masked('S1', 'say foo'), {
      kind: 'pass',
      rendered: { text: 'say ***' },
      notes: [{ state: 'sensitive_masked', reason: 'masked 1 match (text)' }],
    });
    const second = await masked('S2', 'say BAR');
    assert.deepEqual([second.kind, second.kind === 'drop' && second.state], ['drop', 'dedup_content']);
  });

  test('a clean delivery passes the whole chain; the next one is throttled', async () => {
    const steps = createSteps({ redis: r.redis, keys: r.keys });
    const config = {
      rateLimits: { '1': { rate: 1, burst: 1 } },
      dedup: { contentWindowSec: 60, frequency: { limit: 5, per: 'day' as const, windowSec: 60 } },
    };
    assert.deepEqual(await runSteps(steps, stepInput({ config })), { kind: 'pass' });
    const v = await runSteps(steps, stepInput({ delivery: { id: 'M2', receiver: 'bob@x.com' }, config }));
    assert.deepEqual(
      [v.kind, v.kind === 'delay' && v.state, v.kind !== 'pass' && v.step],
      ['delay', 'throttled', 'rateLimit'],
    );
  });
});
