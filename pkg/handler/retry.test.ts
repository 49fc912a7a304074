import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs } from './retry.ts';

test('exponential ceiling with full jitter, capped, honouring Retry-After', () => {
  const base = { baseMs: 1000, maxMs: 10_000 };
  assert.equal(backoffMs({ ...base, attempt: 1, random: () => 0.999 }), 999);
  assert.equal(backoffMs({ ...base, attempt: 3, random: () => 0.5 }), 2000);
  assert.equal(backoffMs({ ...base, attempt: 10, random: () => 0.5 }), 5000);
  assert.equal(backoffMs({ ...base, attempt: 2, random: () => 0 }), 0);
  assert.equal(backoffMs({ ...base, attempt: 2, random: () => 0, retryAfterMs: 7000 }), 7000);
});
