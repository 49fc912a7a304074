import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tickBatcher } from './tick-batch.ts';

test('calls of one turn become one run per group, results in order, long groups split', async () => {
  const runs: [string | number, number[]][] = [];
  const double = tickBatcher<number, number>({
    groupOf: (n) => n % 2,
    max: 3,
    run: async (g, items) => {
      runs.push([g, [...items]]);
      return items.map((n) => n * 2);
    },
  });
  const out = await Promise.all([1, 2, 3, 4, 5, 7, 9].map(double));
  assert.deepEqual(out, [2, 4, 6, 8, 10, 14, 18]);
  assert.deepEqual(runs, [
    [1, [1, 3, 5]],
    [1, [7, 9]],
    [0, [2, 4]],
  ]);
  // A later turn is a new batch.
  assert.equal(await double(6), 12);
  assert.equal(runs.length, 4);
});

test('a failed run rejects every call of its chunk and only those', async () => {
  const f = tickBatcher<string, string>({
    groupOf: (s) => s[0]!,
    run: async (g, items) => {
      if (g === 'x') throw new Error('boom');
      return items.map((s) => s.toUpperCase());
    },
  });
  const [a, b, c] = await Promise.allSettled([f('xa'), f('ya'), f('xb')]);
  assert.equal(a.status, 'rejected');
  assert.deepEqual(b, { status: 'fulfilled', value: 'YA' });
  assert.equal(c.status, 'rejected');
  const bad = tickBatcher<number, number>({ groupOf: () => 0, run: async () => [] });
  await assert.rejects(bad(1), /answered 0/);
});
