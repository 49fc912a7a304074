import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  callbackStatesSchema,
  callbackUrlSchema,
  decodeStates,
  encodeStates,
  logSafeUrl,
} from './settings.ts';

test('callback URLs: absolute http(s), no credentials, at most 2048 characters', () => {
  for (const ok of [
    'https://shop.example.com/status',
    'http://x.example.com:8080/a?b=c',
    'http://127.0.0.1/',
  ]) {
    assert.ok(callbackUrlSchema.safeParse(ok).success, ok);
  }
  for (const bad of [
    '',
    '/relative',
    'ftp://x.example.com/',
    'javascript:alert(1)',
    'https://u:p@x.example.com/',
  ]) {
    assert.ok(!callbackUrlSchema.safeParse(bad).success, bad);
  }
  assert.ok(callbackUrlSchema.safeParse(`https://x.example.com/${'a'.repeat(2020)}`).success);
  assert.ok(!callbackUrlSchema.safeParse(`https://x.example.com/${'a'.repeat(2030)}`).success);
});

test('states: known ones only, deduplicated, round-trip through the column text', () => {
  assert.deepEqual(callbackStatesSchema.parse(['sent', 'read', 'sent']), ['sent', 'read']);
  assert.ok(!callbackStatesSchema.safeParse(['sent', 'opened']).success);
  assert.ok(!callbackStatesSchema.safeParse([]).success);
  assert.deepEqual(decodeStates(encodeStates(['sent', 'dead_lettered'])), ['sent', 'dead_lettered']);
  assert.deepEqual(decodeStates('sent,renamed_state,failed'), ['sent', 'failed']);
  assert.deepEqual(decodeStates(null), []);
});

test('logs see the origin of a URL only', () => {
  assert.equal(
    logSafeUrl('https://user:pw@hooks.example.com:8443/p/a/t/h?token=s3cret'),
    'https://hooks.example.com:8443',
  );
  assert.equal(logSafeUrl('not a url'), '(invalid url)');
});
