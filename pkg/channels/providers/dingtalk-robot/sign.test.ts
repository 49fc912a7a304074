import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dingtalkSignature, SIGN_WINDOW_MS, signedQuery, stringToSign, verifyDingtalkSign } from './sign.ts';

/**
 * DingTalk robot signing against PROVIDERS.md §4.2's vector (computed there from the documented
 * algorithm, not an official one), and the receiving side's window and comparison.
 */

const TS = 1700000000000;
const SECRET = 'SEC0123456789abcdef';
const B64 = 'TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk=';
const ENCODED = 'TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D';

test('the §4.2 vector: Base64 and URL-encoded sign of timestamp 1700000000000', () => {
  assert.equal(stringToSign(TS, SECRET), '1700000000000\nSEC0123456789abcdef');
  assert.equal(dingtalkSignature(TS, SECRET), B64);
  assert.equal(signedQuery(TS, SECRET), `timestamp=1700000000000&sign=${ENCODED}`);
});

test('the query decodes back to the Base64 sign, and the receiving side accepts it', () => {
  const q = Object.fromEntries(new URLSearchParams(signedQuery(TS, SECRET)));
  assert.deepEqual(q, { timestamp: String(TS), sign: B64 });
  assert.equal(verifyDingtalkSign(q, SECRET, TS), 'ok');
});

test('a timestamp more than an hour off either way is refused, exactly an hour is not', () => {
  const q = { timestamp: String(TS), sign: B64 };
  assert.equal(verifyDingtalkSign(q, SECRET, TS + SIGN_WINDOW_MS), 'ok');
  assert.equal(verifyDingtalkSign(q, SECRET, TS - SIGN_WINDOW_MS), 'ok');
  assert.equal(verifyDingtalkSign(q, SECRET, TS + SIGN_WINDOW_MS + 1), 'invalid timestamp');
  assert.equal(verifyDingtalkSign(q, SECRET, TS - SIGN_WINDOW_MS - 1), 'invalid timestamp');
  // Seconds instead of milliseconds are an hour (and more) off.
  assert.equal(verifyDingtalkSign({ ...q, timestamp: String(TS / 1000) }, SECRET, TS), 'invalid timestamp');
  assert.equal(verifyDingtalkSign({ sign: B64 }, SECRET, TS), 'invalid timestamp');
  assert.equal(verifyDingtalkSign({ ...q, timestamp: '17e11' }, SECRET, TS), 'invalid timestamp');
});

test('another secret, another timestamp, a raw (unencoded) sign or none do not match', () => {
  const q = { timestamp: String(TS), sign: B64 };
  assert.equal(verifyDingtalkSign(q, 'SEC0123456789abcdeg', TS), 'sign not match');
  assert.equal(verifyDingtalkSign({ ...q, timestamp: String(TS + 1) }, SECRET, TS), 'sign not match');
  assert.notEqual(dingtalkSignature(TS + 1, SECRET), B64);
  assert.equal(verifyDingtalkSign({ ...q, sign: B64.replace('=', '') }, SECRET, TS), 'sign not match');
  assert.equal(verifyDingtalkSign({ timestamp: String(TS) }, SECRET, TS), 'sign not match');
});

test('a sign holding `+` only survives the query URL-encoded', () => {
  let ts = TS;
  while (!dingtalkSignature(ts, SECRET).includes('+')) ts++;
  const raw = Object.fromEntries(
    new URLSearchParams(`timestamp=${ts}&sign=${dingtalkSignature(ts, SECRET)}`),
  );
  assert.equal(verifyDingtalkSign(raw, SECRET, ts), 'sign not match');
  const encoded = Object.fromEntries(new URLSearchParams(signedQuery(ts, SECRET)));
  assert.equal(verifyDingtalkSign(encoded, SECRET, ts), 'ok');
});
