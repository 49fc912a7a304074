import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JSON_LIMITS, jsonLimitIssue, MAX_JSON_DEPTH } from './limits.ts';

const deep = (n: number): unknown => JSON.parse(`${'['.repeat(n)}1${']'.repeat(n)}`);

describe('JSON input limits', () => {
  test('depth: the limit itself passes, one more is TOO_DEEP at its path; any depth is safe to check', () => {
    const lim = JSON_LIMITS.variables;
    assert.equal(jsonLimitIssue(deep(MAX_JSON_DEPTH), lim), undefined);
    const issue = jsonLimitIssue({ a: deep(MAX_JSON_DEPTH) }, lim);
    assert.equal(issue?.code, 'TOO_DEEP');
    assert.deepEqual(issue?.path, ['a', ...Array(MAX_JSON_DEPTH - 1).fill(0)]);
    assert.equal(jsonLimitIssue(deep(200_000), lim)?.code, 'TOO_DEEP');
    assert.equal(jsonLimitIssue('x', lim), undefined);
  });

  test('size: counts the JSON text, multi-byte characters as bytes', () => {
    const lim = { maxDepth: 4, maxBytes: 100 };
    assert.equal(jsonLimitIssue({ a: 'x'.repeat(80) }, lim), undefined);
    assert.equal(jsonLimitIssue({ a: 'x'.repeat(120) }, lim)?.code, 'TOO_LARGE');
    assert.equal(jsonLimitIssue({ a: '€'.repeat(40) }, lim)?.code, 'TOO_LARGE');
    assert.equal(jsonLimitIssue(Array(200).fill(1), lim)?.code, 'TOO_LARGE');
  });
});
