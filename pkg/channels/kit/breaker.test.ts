import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { type BreakerState, createBreakers } from './breaker.ts';

type Outcome = { ok: boolean; retryable?: boolean };
const OK: Outcome = { ok: true };
const DOWN: Outcome = { ok: false, retryable: true }; // 5xx, timeout, connect error
const BAD_RECEIVER: Outcome = { ok: false, retryable: false };
const counts = (o: Outcome) => !o.ok && o.retryable === true;

/** Breakers on a fake clock (cockatiel reads Date.now, which the test mocks) recording transitions. */
function setup(t: TestContext, opts: { threshold?: number; maxKeys?: number } = {}) {
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const events: [string, BreakerState][] = [];
  const breakers = createBreakers({
    threshold: opts.threshold ?? 3,
    halfOpenAfterMs: 10_000,
    onStateChange: (key, s) => events.push([key, s]),
    ...(opts.maxKeys ? { maxKeys: opts.maxKeys } : {}),
  });
  let calls = 0;
  const call = (key: string, o: Outcome) =>
    breakers.run(
      key,
      async () => {
        calls++;
        return o;
      },
      counts,
    );
  return { breakers, events, call, calls: () => calls };
}

test('only counted failures open the breaker, and only when consecutive', async (t) => {
  const { breakers, call } = setup(t);
  for (let i = 0; i < 10; i++) assert.deepEqual(await call('a', BAD_RECEIVER), BAD_RECEIVER);
  assert.equal(breakers.state('a'), 'closed', 'permanent per-receiver errors do not count');
  await call('a', DOWN);
  await call('a', DOWN);
  await call('a', OK); // resets the run
  await call('a', DOWN);
  await call('a', DOWN);
  assert.equal(breakers.state('a'), 'closed');
  assert.deepEqual(await call('a', DOWN), DOWN, 'the failing outcome itself is returned');
  assert.equal(breakers.state('a'), 'open');
});

test('an open breaker makes no calls and says how long until the probe', async (t) => {
  const { breakers, call, calls, events } = setup(t);
  for (let i = 0; i < 3; i++) await call('acct:1', DOWN);
  const made = calls();
  assert.deepEqual(await call('acct:1', OK), { open: true, retryAfterMs: 10_000 });
  t.mock.timers.tick(4_000);
  assert.deepEqual(await call('acct:1', OK), { open: true, retryAfterMs: 6_000 });
  assert.equal(breakers.openFor('acct:1'), 6_000, 'openFor asks without calling');
  assert.equal(breakers.openFor('acct:2'), undefined);
  assert.equal(calls(), made, 'no call went through');
  assert.equal(breakers.state('acct:2'), 'closed', 'keys are independent');
  assert.deepEqual(await call('acct:2', OK), OK);
  assert.deepEqual(events, [['acct:1', 'open']]);
});

test('after halfOpenAfterMs one probe goes through; others answer open meanwhile; success closes', async (t) => {
  const { breakers, call, calls, events } = setup(t);
  for (let i = 0; i < 3; i++) await call('k', DOWN);
  t.mock.timers.tick(10_000);
  assert.equal(breakers.openFor('k'), undefined, 'due for its probe');
  let finishProbe = (_: Outcome) => {};
  const probe = breakers.run('k', () => new Promise<Outcome>((res) => (finishProbe = res)), counts);
  assert.equal(breakers.state('k'), 'half_open');
  const before = calls();
  assert.deepEqual(await call('k', OK), { open: true, retryAfterMs: 1000 }, 'not queued behind the probe');
  assert.equal(calls(), before);
  assert.equal(breakers.openFor('k'), 1000, 'while probing: look again shortly');
  finishProbe(OK);
  assert.deepEqual(await probe, OK);
  assert.equal(breakers.state('k'), 'closed');
  assert.equal(breakers.openFor('k'), undefined);
  assert.deepEqual(await call('k', OK), OK);
  assert.deepEqual(
    events.map(([, s]) => s),
    ['open', 'half_open', 'closed'],
  );
});

test('a failed probe opens the breaker again for another period', async (t) => {
  const { breakers, call } = setup(t);
  for (let i = 0; i < 3; i++) await call('k', DOWN);
  t.mock.timers.tick(10_000);
  assert.deepEqual(await call('k', DOWN), DOWN);
  assert.equal(breakers.state('k'), 'open');
  assert.deepEqual(await call('k', OK), { open: true, retryAfterMs: 10_000 });
});

test('a throw counts as a failure and reaches the caller', async (t) => {
  const { breakers } = setup(t, { threshold: 2 });
  const boom = () =>
    breakers.run(
      'k',
      async (): Promise<Outcome> => {
        throw new Error('socket hang up');
      },
      counts,
    );
  await assert.rejects(boom(), /socket hang up/);
  await assert.rejects(boom(), /socket hang up/);
  assert.equal(breakers.state('k'), 'open');
  assert.equal('open' in (await boom()), true, 'open: the throwing fn is not called');
});

test('the number of kept breakers is bounded', async (t) => {
  const { breakers, call } = setup(t, { maxKeys: 3 });
  for (let i = 0; i < 10; i++) await call(`host-${i}`, OK);
  assert.deepEqual([...breakers.states().keys()].sort(), ['host-7', 'host-8', 'host-9']);
});
