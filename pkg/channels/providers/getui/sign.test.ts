import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { authBody, getuiSign } from './sign.ts';

/** The auth sign of PROVIDERS.md §11.2: SHA-256 hex of appkey + timestamp + mastersecret. */
describe('GeTui auth sign', () => {
  test('the §11.2 vector', () => {
    assert.equal(
      getuiSign('appKeyExample', '1700000000000', 'masterSecretExample'),
      'f90cf6c803ae288353f3ff4f365a3efeac237d0735e2e39850bc63eeeb5f47d7',
    );
  });

  test('plain concatenation in UTF-8, lowercase hex; any change of a part changes the sign', () => {
    const s = getuiSign('键k', '1700000000001', 'sécret');
    assert.equal(s, createHash('sha256').update(Buffer.from('键k1700000000001sécret', 'utf8')).digest('hex'));
    assert.match(s, /^[0-9a-f]{64}$/);
    assert.notEqual(
      getuiSign('appKeyExample', '1700000000001', 'masterSecretExample'),
      getuiSign('appKeyExample', '1700000000000', 'masterSecretExample'),
    );
  });

  test('the auth body carries the 13-digit millisecond timestamp as a string, signed with it', () => {
    const b = authBody('appKeyExample', 'masterSecretExample', 1_700_000_000_000.7);
    assert.deepEqual(b, {
      sign: 'f90cf6c803ae288353f3ff4f365a3efeac237d0735e2e39850bc63eeeb5f47d7',
      timestamp: '1700000000000',
      appkey: 'appKeyExample',
    });
    assert.ok(!JSON.stringify(b).includes('masterSecretExample'));
  });
});
