import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  newWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  webhookKey,
} from './standard-webhooks.ts';

// The spec's test vector (PROVIDERS.md §13.3, from the reference JS and Python suites).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const AT = TS * 1000;
const hdr = (sig: string, ts = String(TS)) => ({
  'webhook-id': ID,
  'webhook-timestamp': ts,
  'webhook-signature': sig,
});

test('the spec test vector signs to the published signature', () => {
  assert.equal(webhookKey(SECRET).length, 24);
  assert.equal(signWebhook(SECRET, ID, TS, BODY), SIG);
  assert.equal(signWebhook(SECRET.slice(6), ID, TS, BODY), SIG, 'the whsec_ prefix is optional');
});

test('verification accepts the vector and rejects the spec negative cases', () => {
  assert.deepEqual(verifyWebhook(SECRET, hdr(SIG), BODY, AT), { ok: true });
  const changed = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=';
  assert.equal(verifyWebhook(SECRET, hdr(changed), BODY, AT).ok, false);
  assert.equal(verifyWebhook(SECRET, hdr(SIG.slice(0, 8)), BODY, AT).ok, false);
  assert.equal(verifyWebhook(SECRET, hdr('v1,'), BODY, AT).ok, false);
  const other = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
  const list = `${other} v2,${other.slice(3)} ${SIG} ${other}`;
  assert.deepEqual(verifyWebhook(SECRET, hdr(list), BODY, AT), { ok: true }, 'any valid v1 entry wins');
  assert.equal(verifyWebhook(SECRET, hdr(SIG), BODY, AT + 301_000).ok, false, 'too old');
  assert.equal(verifyWebhook(SECRET, hdr(SIG), BODY, AT - 301_000).ok, false, 'too new');
  assert.equal(verifyWebhook(SECRET, hdr(SIG, 'abc'), BODY, AT).ok, false, 'non-numeric timestamp');
  assert.equal(verifyWebhook(SECRET, { 'webhook-id': ID }, BODY, AT).ok, false, 'missing headers');
  assert.equal(verifyWebhook(SECRET, hdr(SIG), `${BODY} `, AT).ok, false, 'body changed');
});

test('headers of a fresh secret verify; header names are case-insensitive', () => {
  const secret = newWebhookSecret();
  assert.equal(webhookKey(secret).length, 32);
  const now = Date.now();
  const h = webhookHeaders(secret, 'msg_1', '{"a":1}', now);
  const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
  assert.deepEqual(verifyWebhook(secret, upper, '{"a":1}', now), { ok: true });
  assert.throws(() => webhookKey('whsec_'), /empty/);
});
