import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunkRanges, dueRuns, nextRun, runBaseline } from './cron.ts';

const at = (iso: string) => Date.parse(iso);

describe('dueRuns (pure, injected clock)', () => {
  test('every minute: the run of the minute just passed is due once', () => {
    const last = at('2026-01-01T10:04:00Z');
    assert.deepEqual(dueRuns('* * * * *', last, at('2026-01-01T10:04:59.999Z'), 'UTC'), []);
    assert.deepEqual(dueRuns('* * * * *', last, at('2026-01-01T10:05:00Z'), 'UTC'), [
      at('2026-01-01T10:05:00Z'),
    ]);
    assert.deepEqual(dueRuns('* * * * *', last, at('2026-01-01T10:05:30Z'), 'UTC'), [
      at('2026-01-01T10:05:00Z'),
    ]);
    // Interval is (lastRunAt, now]: the run at lastRunAt itself is not due again.
    assert.deepEqual(dueRuns('* * * * *', at('2026-01-01T10:05:00Z'), at('2026-01-01T10:05:30Z'), 'UTC'), []);
  });

  test('a scheduler down for a day fires once, for the latest missed run', () => {
    const now = at('2026-01-02T10:05:30Z');
    const runs = dueRuns('* * * * *', now - 86_400_000, now, 'UTC');
    assert.deepEqual(runs, [at('2026-01-02T10:05:00Z')]);
    // A larger cap returns the latest few, oldest first.
    assert.deepEqual(dueRuns('* * * * *', now - 86_400_000, now, 'UTC', { max: 3 }), [
      at('2026-01-02T10:03:00Z'),
      at('2026-01-02T10:04:00Z'),
      at('2026-01-02T10:05:00Z'),
    ]);
  });

  test('nothing is due when now is not after lastRunAt', () => {
    const t = at('2026-01-01T10:05:00Z');
    assert.deepEqual(dueRuns('* * * * *', t, t, 'UTC'), []);
    assert.deepEqual(dueRuns('* * * * *', t + 1, t, 'UTC'), []);
  });

  test('time zones: 09:00 in Asia/Shanghai is 01:00 UTC', () => {
    const now = at('2026-01-01T01:00:10Z');
    assert.deepEqual(dueRuns('0 9 * * *', now - 60_000, now, 'Asia/Shanghai'), [at('2026-01-01T01:00:00Z')]);
    assert.deepEqual(dueRuns('0 9 * * *', now - 60_000, now, 'UTC'), []);
    assert.equal(nextRun('0 9 * * *', now, 'UTC'), at('2026-01-01T09:00:00Z'));
  });

  test('six-field expressions run by the second', () => {
    const now = at('2026-01-01T10:00:25Z');
    assert.deepEqual(dueRuns('*/10 * * * * *', at('2026-01-01T10:00:05Z'), now, 'UTC', { max: 5 }), [
      at('2026-01-01T10:00:10Z'),
      at('2026-01-01T10:00:20Z'),
    ]);
  });

  test('an invalid expression throws; nextRun answers undefined', () => {
    assert.throws(() => dueRuns('not a cron', 0, Date.now(), 'UTC'));
    assert.equal(nextRun('not a cron', 0, 'UTC'), undefined);
  });
});

describe('runBaseline and chunkRanges', () => {
  test('runs count from the later of the last run and the last change', () => {
    assert.equal(runBaseline(undefined, 1000), 1000);
    assert.equal(runBaseline(5000, 1000), 5000);
    assert.equal(runBaseline(500, 1000), 1000);
  });

  test('chunks cover every row once, in order, none larger than the size', () => {
    assert.deepEqual(chunkRanges(5, 2), [
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    assert.deepEqual(chunkRanges(0, 1000), []);
    const r = chunkRanges(2501, 1000);
    assert.deepEqual(r.at(-1), [2000, 2501]);
    assert.equal(r.length, 3);
  });
});
