import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryAfterMs } from '../../kit/retry-after.ts';
import { jsonSchemaOf, secretPaths } from '../../secret.ts';
import { webhook } from './definition.ts';
import { safeUrl } from './outcome.ts';

const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'; // 24 key bytes (PROVIDERS.md §13.3)
const key = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

test('the config takes a whsec_ secret of 24–64 key bytes and fills the defaults', () => {
  assert.deepEqual(webhook.config.parse({ secret: SPEC_SECRET }), {
    secret: SPEC_SECRET,
    allowPrivateNetworks: false,
    timeoutMs: 10_000,
  });
  assert.equal(webhook.config.safeParse({ secret: key(64) }).success, true);
  assert.equal(
    webhook.config.safeParse({ secret: key(25).replace(/=+$/, '') }).success,
    true,
    'unpadded base64',
  );
  for (const bad of [
    'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', // no prefix
    'whsec_',
    key(16),
    key(65),
    'whsec_not base64!',
    '',
  ]) {
    assert.equal(webhook.config.safeParse({ secret: bad }).success, false, `secret ${JSON.stringify(bad)}`);
  }
  assert.equal(webhook.config.safeParse({}).success, false, 'secret is required');
});

test('the config is strict and bounds the timeout and the extra headers', () => {
  const ok = (c: object) => webhook.config.safeParse({ secret: SPEC_SECRET, ...c }).success;
  assert.equal(ok({ baseUrl: 'http://x' }), false, 'no baseUrl: the receiver is the URL');
  assert.equal(ok({ timeoutMs: 999 }), false);
  assert.equal(ok({ timeoutMs: 30_001 }), false);
  assert.equal(ok({ timeoutMs: 30_000, allowPrivateNetworks: true }), true);
  assert.equal(ok({ headers: { authorization: 'Bearer x', 'X-Team': 'a' } }), true);
  assert.equal(ok({ headers: { 'webhook-signature': 'v1,x' } }), false, 'signature headers are ours');
  assert.equal(ok({ headers: { 'Content-Type': 'text/plain' } }), false);
  assert.equal(ok({ headers: { 'bad name': 'x' } }), false);
  assert.equal(ok({ headers: { 'x-a': 'one\r\nx-b: two' } }), false, 'no header injection');
});

test('the JSON Schema marks the secret (and header values) writeOnly', () => {
  const schema = jsonSchemaOf(webhook.config) as {
    properties: Record<string, { writeOnly?: boolean; additionalProperties?: { writeOnly?: boolean } }>;
    required: string[];
  };
  assert.equal(schema.properties['secret']?.writeOnly, true);
  assert.equal(schema.properties['allowPrivateNetworks']?.writeOnly, undefined);
  assert.equal(schema.properties['headers']?.additionalProperties?.writeOnly, true);
  assert.deepEqual(schema.required, ['secret']);
  assert.deepEqual(secretPaths(webhook.config), [['secret'], ['headers', '*']]);
});

test('the content needs a JSON body; headers are checked like the account ones', () => {
  const ok = (c: unknown) => webhook.content.safeParse(c).success;
  assert.equal(ok({ body: { event: '{$e}', n: [1, null, true] } }), true);
  assert.equal(ok({ body: 'text' }), true);
  assert.equal(ok({}), false, 'body is required');
  assert.equal(ok({ body: { a: 1 }, extra: 1 }), false);
  assert.equal(ok({ body: {}, headers: { 'x-id': '{$id}' } }), true);
  assert.equal(ok({ body: {}, headers: { 'webhook-id': 'x' } }), false);
  assert.ok(jsonSchemaOf(webhook.content).properties, 'a JSON Schema for forms');
});

test('the definition: url receivers, no test connection, breaker per target host', () => {
  assert.equal(webhook.channel, 'webhook');
  assert.equal(webhook.provider, 'webhook');
  assert.deepEqual(webhook.receivers, ['url']);
  assert.deepEqual(webhook.capabilities, { testConnection: false });
  const scope = webhook.breakerScope!;
  assert.equal(scope('https://a.example/x?token=1'), 'a.example');
  assert.equal(scope('https://a.example/y'), scope('https://A.EXAMPLE/z'));
  assert.equal(scope('https://u:p@a.example:8443/x'), 'a.example:8443');
  assert.notEqual(scope('https://a.example/x'), scope('https://b.example/x'));
  assert.equal(scope('not a url'), 'invalid-url');
});

test('Retry-After reads seconds and HTTP-dates; URLs lose credentials and query', () => {
  assert.equal(retryAfterMs('120', 0), 120_000);
  assert.equal(retryAfterMs(' 0 ', 0), 0);
  const now = Date.parse('2015-10-21T07:27:00Z');
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', now), 60_000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:00:00 GMT', now), 0, 'a past date: now');
  assert.equal(retryAfterMs('99999999', 0), 24 * 3600_000, 'capped at a day');
  for (const v of [undefined, '', '1.5', '-3', 'soon'])
    assert.equal(retryAfterMs(v, now), undefined, String(v));
  assert.equal(safeUrl(new URL('https://u:p@h.example:81/a/b?token=1#x')), 'https://h.example:81/a/b');
});
