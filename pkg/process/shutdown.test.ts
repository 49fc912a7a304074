import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createLogger } from '../telemetry/logger.ts';
import { onShutdown } from './shutdown.ts';

const log = createLogger({ level: 'silent', name: 'lifecycle-test' });

/** A shutdown whose exit and clock are the test's; signals are emitted on `process`. */
function harness(closeMs = 0) {
  let clock = 1_000_000;
  const exits: number[] = [];
  const closed: string[] = [];
  let exited!: () => void;
  const done = new Promise<void>((r) => {
    exited = r;
  });
  const s = onShutdown(log, {
    now: () => clock,
    exit: (code) => {
      exits.push(code);
      exited();
    },
  });
  for (const name of ['redis', 'consumer', 'http'])
    s.add({
      name,
      close: () =>
        new Promise<void>((r) =>
          setTimeout(() => {
            closed.push(name);
            r();
          }, closeMs),
        ),
    });
  return { exits, closed, done, advance: (ms: number) => (clock += ms) };
}

describe('onShutdown', () => {
  afterEach(() => {
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
  });

  test('closes in reverse order of registration, then exits 0', async () => {
    const h = harness();
    process.emit('SIGTERM');
    await h.done;
    assert.deepEqual(h.closed, ['http', 'consumer', 'redis']);
    assert.deepEqual(h.exits, [0]);
  });

  test('a Ctrl-C that arrives twice at once (terminal + launcher) is one clean shutdown', async () => {
    const h = harness(20);
    process.emit('SIGINT');
    h.advance(5);
    process.emit('SIGINT');
    await h.done;
    assert.deepEqual(h.exits, [0], 'no forced exit');
    assert.deepEqual(h.closed, ['http', 'consumer', 'redis']);
  });

  test('a second signal a second later exits at once with 130', async () => {
    const h = harness(50);
    process.emit('SIGINT');
    h.advance(1500);
    process.emit('SIGINT');
    assert.deepEqual(h.exits, [130]);
    assert.ok(h.closed.length < 3, 'the forced exit did not wait for the closers');
    await h.done;
  });
});
