import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import { isSealed, openJson, sealJson } from './sealing.ts';

describe('sealing', () => {
  const key = randomBytes(32);

  test('round-trips JSON and hides the plaintext', () => {
    const value = { host: 'smtp.x.com', pass: 'hunter2-very-secret', n: [1, 2] };
    const text = sealJson(value, key);
    assert.match(text, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    assert.ok(isSealed(text));
    assert.ok(!text.includes('hunter2'));
    assert.deepEqual(openJson(text, key), value);
  });

  test('uses a fresh IV every time', () => {
    assert.notEqual(sealJson({ a: 1 }, key), sealJson({ a: 1 }, key));
  });

  test('a wrong key fails with a clear error', () => {
    const text = sealJson({ pass: 'x' }, key);
    assert.throws(
      () => openJson(text, randomBytes(32)),
      (e: unknown) => e instanceof AppError && e.code === 'SEALED_UNREADABLE' && /SECRET_KEY/.test(e.message),
    );
  });

  test('an altered text fails instead of yielding garbage', () => {
    const text = sealJson({ pass: 'abcdef' }, key);
    const parts = text.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    assert.throws(() => openJson(parts.join('.'), key), /cannot decrypt/);
    assert.throws(() => openJson('v2.a.b.c', key), /not a v1 sealed value/);
    assert.throws(() => openJson('v1.AAAA.BBBB.CCCC', key), /malformed/);
  });

  test('rejects keys that are not 32 bytes', () => {
    assert.throws(() => sealJson({}, randomBytes(16)), /32 bytes/);
  });
});
