import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { test } from 'node:test';
import { signing } from './signing.ts';

const hex = (b: Buffer) => b.toString('hex');

test('hmac and hash match the published vectors (RFC 4231 case 2, FIPS 180 "abc", RFC 1321)', () => {
  const data = 'what do ya want for nothing?';
  assert.equal(
    hex(signing.hmac('sha256', 'Jefe', data)),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
  assert.equal(
    hex(signing.hmac('sha1', Buffer.from('Jefe'), data)),
    'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
  );
  assert.equal(
    hex(signing.hash('sha256', 'abc')),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  assert.equal(hex(signing.hash('sha1', 'abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(hex(signing.hash('md5', '')), 'd41d8cd98f00b204e9800998ecf8427e');
});

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: typeof rsa.privateKey) => k.export({ type: 'pkcs8', format: 'pem' }) as string;

function parts(jwt: string) {
  const [h, c, s] = jwt.split('.') as [string, string, string];
  const decode = (p: string) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  assert.match(jwt, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'base64url without padding');
  return {
    header: decode(h),
    claims: decode(c),
    input: Buffer.from(`${h}.${c}`),
    sig: Buffer.from(s, 'base64url'),
  };
}

test('an RS256 JWT verifies with the RSA public key and carries the given header and claims', () => {
  const claims = {
    iss: 'svc@project.iam.gserviceaccount.com',
    aud: 'https://oauth2.googleapis.com/token',
    iat: 1,
  };
  const jwt = signing.jwt({ alg: 'RS256', key: pem(rsa.privateKey), header: { kid: 'k1' }, claims });
  const p = parts(jwt);
  assert.deepEqual(p.header, { kid: 'k1', alg: 'RS256', typ: 'JWT' });
  assert.deepEqual(p.claims, claims);
  assert.equal(verify('sha256', p.input, rsa.publicKey, p.sig), true);
  const tampered = Buffer.from(p.input.toString().replace(/.$/, 'A'));
  assert.equal(verify('sha256', tampered, rsa.publicKey, p.sig), false);
});

test('an ES256 JWT has the raw 64-byte r||s signature (JOSE) and verifies with the EC public key', () => {
  const jwt = signing.jwt({
    alg: 'ES256',
    key: pem(ec.privateKey),
    header: { kid: 'ABC123DEFG' },
    claims: { iss: 'T' },
  });
  const p = parts(jwt);
  assert.deepEqual(p.header, { kid: 'ABC123DEFG', alg: 'ES256', typ: 'JWT' });
  assert.equal(p.sig.length, 64, 'not DER');
  assert.equal(verify('sha256', p.input, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, p.sig), true);
});

test('the header cannot override alg, and a key of the wrong kind is refused without showing it', () => {
  const jwt = signing.jwt({ alg: 'ES256', key: pem(ec.privateKey), header: { alg: 'none' }, claims: {} });
  assert.equal(parts(jwt).header.alg, 'ES256');
  const rsaPem = pem(rsa.privateKey);
  assert.throws(
    () => signing.jwt({ alg: 'ES256', key: rsaPem, claims: {} }),
    /needs a P-256 EC key, got rsa/,
  );
  assert.throws(() => signing.jwt({ alg: 'RS256', key: pem(ec.privateKey), claims: {} }), /needs an RSA key/);
  assert.throws(
    () => signing.jwt({ alg: 'RS256', key: 'not a key', claims: {} }),
    (e: Error) => /not a readable private key/.test(e.message) && !e.message.includes('not a key'),
  );
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  assert.throws(() => signing.jwt({ alg: 'ES256', key: pem(p384.privateKey), claims: {} }), /P-256/);
});

test('safeEqual is true only for equal strings, of any length', () => {
  assert.equal(signing.safeEqual('abc', 'abc'), true);
  assert.equal(signing.safeEqual('', ''), true);
  assert.equal(signing.safeEqual('abc', 'abd'), false);
  assert.equal(signing.safeEqual('abc', 'abcd'), false);
  assert.equal(signing.safeEqual('abc', ''), false);
  assert.equal(signing.safeEqual('é', 'e\u0301'), false);
});
