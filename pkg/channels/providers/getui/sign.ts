import { signing } from '../../kit/signing.ts';
import type { Signing } from '../../kit/types.ts';

/**
 * The `sign` of GeTui's `POST /auth` (PROVIDERS.md §11.2): lowercase hex SHA-256 of the UTF-8
 * string `appkey + timestamp + mastersecret`, plain concatenation (no separator, no HMAC).
 * `timestamp` is the 13-digit millisecond string sent beside it.
 *
 * @example getuiSign('appKeyExample', '1700000000000', 'masterSecretExample')
 * // 'f90cf6c803ae288353f3ff4f365a3efeac237d0735e2e39850bc63eeeb5f47d7'
 */
export function getuiSign(
  appKey: string,
  timestamp: string,
  masterSecret: string,
  hash: Signing['hash'] = signing.hash,
): string {
  return hash('sha256', `${appKey}${timestamp}${masterSecret}`).toString('hex');
}

/**
 * The auth body for the clock's `nowMs`: `{ sign, timestamp, appkey }`, the timestamp as the
 * 13-digit string the docs ask for.
 *
 * @example authBody('k', 's', 1700000000000) // { sign: '…', timestamp: '1700000000000', appkey: 'k' }
 */
export function authBody(
  appKey: string,
  masterSecret: string,
  nowMs: number,
  hash?: Signing['hash'],
): Readonly<{ sign: string; timestamp: string; appkey: string }> {
  const timestamp = String(Math.floor(nowMs));
  return Object.freeze({ sign: getuiSign(appKey, timestamp, masterSecret, hash), timestamp, appkey: appKey });
}
