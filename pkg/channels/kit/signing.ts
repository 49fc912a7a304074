import { createHash, createHmac, createPrivateKey, type KeyObject, sign, timingSafeEqual } from 'node:crypto';
import type { Signing } from './types.ts';

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** The private key of a JWT, checked against the algorithm (errors never show the key). */
function jwtKey(alg: 'RS256' | 'ES256', pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(`${alg} JWT: the key is not a readable private key (PEM)`);
  }
  const type = key.asymmetricKeyType;
  if (alg === 'RS256' && type !== 'rsa') throw new Error(`RS256 JWT needs an RSA key, got ${type}`);
  if (alg === 'ES256') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (type !== 'ec' || curve !== 'prime256v1')
      throw new Error(`ES256 JWT needs a P-256 EC key, got ${type} ${curve ?? ''}`);
  }
  return key;
}

/**
 * The kit's signing helpers on node:crypto, the base of every provider's signature scheme
 * (Tencent TC3, Aliyun, DingTalk/Feishu robot signs, FCM service-account and APNs provider JWTs).
 *
 * - `hmac` / `hash` return raw bytes: providers differ in hex vs base64, so the caller encodes.
 * - `jwt` signs RS256 (PKCS#1 v1.5) or ES256 with the JOSE signature form: the raw 64-byte
 *   `r||s`, not DER, as RFC 7518 §3.4 requires (APNs rejects DER signatures).
 * - `safeEqual` compares in constant time, also for strings of different length.
 *
 * @example signing.hmac('sha256', secret, `${ts}\n${secret}`).toString('base64') // DingTalk robot sign
 * @example signing.jwt({ alg: 'ES256', key: p8, header: { kid }, claims: { iss: teamId, iat } })
 * @example signing.safeEqual(received, expected) // true | false
 */
export const signing: Signing = Object.freeze({
  hmac: (alg: 'sha1' | 'sha256', key: string | Buffer, data: string | Buffer): Buffer =>
    createHmac(alg, key).update(data).digest(),

  hash: (alg: 'sha1' | 'sha256' | 'md5', data: string | Buffer): Buffer =>
    createHash(alg).update(data).digest(),

  jwt(opts: {
    alg: 'RS256' | 'ES256';
    key: string;
    header?: Record<string, unknown>;
    claims: Record<string, unknown>;
  }): string {
    const key = jwtKey(opts.alg, opts.key);
    const header = { ...opts.header, alg: opts.alg, typ: opts.header?.['typ'] ?? 'JWT' };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(opts.claims))}`;
    const signature =
      opts.alg === 'ES256'
        ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', Buffer.from(input), key);
    return `${input}.${b64url(signature)}`;
  },

  safeEqual(a: string, b: string): boolean {
    // Equal-length digests: timingSafeEqual never throws, and no early exit reveals the length.
    const da = createHash('sha256').update(a).digest();
    const db = createHash('sha256').update(b).digest();
    return timingSafeEqual(da, db);
  },
});
