import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpError } from '../channels/kit/types.ts';
import { outcomeOfError, outcomeOfResponse } from './outcome.ts';

const answer = (status: number, headers: Record<string, string> = {}) =>
  outcomeOfResponse({ status, headers });

test('2xx is done; 408, 429 and 5xx are retried, honouring Retry-After up to an hour', () => {
  for (const s of [200, 201, 204, 299]) assert.deepEqual(answer(s), { kind: 'done' });
  for (const s of [408, 429, 500, 502, 503, 599]) {
    const o = answer(s);
    assert.equal(o.kind, 'retry', String(s));
    assert.equal(o.kind === 'retry' && o.reason, `HTTP_${s}`);
  }
  const later = answer(429, { 'retry-after': '7' });
  assert.equal(later.kind === 'retry' && later.retryAfterMs, 7000);
  const huge = answer(503, { 'retry-after': '999999' });
  assert.equal(huge.kind === 'retry' && huge.retryAfterMs, 3_600_000);
  const dated = answer(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() });
  assert.ok(dated.kind === 'retry' && dated.retryAfterMs! > 55_000 && dated.retryAfterMs! <= 60_000);
  const junk = answer(503, { 'retry-after': 'soon' });
  assert.equal(junk.kind === 'retry' && junk.retryAfterMs, undefined);
});

test('410 stops as GONE; other 3xx and 4xx are dead letters with their status', () => {
  assert.deepEqual(answer(410), { kind: 'dead', reason: 'GONE', message: 'the receiver answered 410 Gone' });
  for (const s of [301, 302, 307, 400, 401, 403, 404, 413, 422]) {
    const o = answer(s);
    assert.equal(o.kind, 'dead', String(s));
    assert.equal(o.kind === 'dead' && o.reason, `HTTP_${s}`);
  }
  assert.match((answer(302) as { message: string }).message, /redirects are not followed/);
});

test('transport failures retry, except an address the guard refuses', () => {
  assert.equal(outcomeOfError(new HttpError('HTTP_TIMEOUT', 'h: no answer')).kind, 'retry');
  assert.equal(outcomeOfError(new HttpError('HTTP_CONNECT', 'h: ECONNREFUSED')).kind, 'retry');
  const blocked = outcomeOfError(new HttpError('HTTP_BLOCKED_ADDRESS', 'refused to connect to 10.0.0.1'));
  assert.deepEqual(blocked, {
    kind: 'dead',
    reason: 'HTTP_BLOCKED_ADDRESS',
    message: 'refused to connect to 10.0.0.1',
  });
  assert.deepEqual(outcomeOfError(new Error('boom at /secret?path')), {
    kind: 'retry',
    reason: 'HTTP_ERROR',
    message: 'the post failed unexpectedly',
  });
});
