import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import { addDays, dayRange, hoursOf, isDay, todayIn } from './buckets.ts';

test('isDay accepts real dates only', () => {
  for (const d of ['2026-11-23', '2024-02-29', '2000-01-01']) assert.equal(isDay(d), true, d);
  for (const d of ['2026-02-29', '2026-13-01', '2026-1-01', '20261123', '', 5, null, '2026-11-23T00'])
    assert.equal(isDay(d), false, String(d));
});

test('addDays crosses months and years', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2024-03-01', -1), '2024-02-29');
});

test('dayRange lists inclusive days and refuses bad ranges with 422', () => {
  assert.deepEqual(dayRange('2026-11-30', '2026-12-02'), ['2026-11-30', '2026-12-01', '2026-12-02']);
  assert.equal(dayRange('2026-01-01', '2026-04-02').length, 92);
  const is422 = (e: unknown) => e instanceof AppError && e.status === 422 && e.code === 'VALIDATION_FAILED';
  assert.throws(() => dayRange('2026-01-01', '2026-04-03'), is422);
  assert.throws(() => dayRange('2026-11-02', '2026-11-01'), is422);
  assert.throws(() => dayRange('2026-11-31', '2026-12-01'), is422);
  assert.throws(() => dayRange('yesterday', '2026-12-01'), is422);
});

test('hoursOf and todayIn', () => {
  assert.deepEqual(hoursOf('2026-11-23').slice(0, 2), ['2026-11-23T00', '2026-11-23T01']);
  assert.equal(hoursOf('2026-11-23').length, 24);
  assert.equal(todayIn('Asia/Shanghai', Date.parse('2026-11-22T16:30:00Z')), '2026-11-23');
  assert.equal(todayIn('UTC', Date.parse('2026-11-22T16:30:00Z')), '2026-11-22');
});
