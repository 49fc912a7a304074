import { signing } from '../../kit/signing.ts';

/**
 * DingTalk custom robot signing (加签, PROVIDERS.md §4.2): `timestamp` is the send time in
 * milliseconds, `sign` the Base64 HMAC-SHA256 of `${timestamp}\n${secret}` keyed by the secret
 * itself, URL-encoded into the query. DingTalk refuses a timestamp more than an hour off its own
 * clock. The client signs with these and the fake verifies with them, so both are held to the
 * §4.2 vector (sign.test.ts).
 */

/** How far a signed timestamp may be from DingTalk's clock (§4.2: one hour). */
export const SIGN_WINDOW_MS = 3_600_000;

/**
 * The string the HMAC covers.
 *
 * @example stringToSign(1700000000000, 'SEC0123') // '1700000000000\nSEC0123'
 */
export const stringToSign = (timestamp: number, secret: string): string => `${timestamp}\n${secret}`;

/**
 * The signature before URL-encoding (Base64 of the raw HMAC bytes).
 *
 * @example dingtalkSignature(1700000000000, 'SEC0123456789abcdef') // 'TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk='
 */
export function dingtalkSignature(timestamp: number, secret: string): string {
  return signing.hmac('sha256', secret, stringToSign(timestamp, secret)).toString('base64');
}

/**
 * The query parameters a signed send appends, already URL-encoded (Base64's `+`, `/` and `=`
 * must not reach DingTalk raw: a `+` would be read as a space and the sign would not match).
 *
 * @example signedQuery(1700000000000, 'SEC0123456789abcdef')
 * // 'timestamp=1700000000000&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D'
 */
export function signedQuery(timestamp: number, secret: string): string {
  return `timestamp=${timestamp}&sign=${encodeURIComponent(dingtalkSignature(timestamp, secret))}`;
}

/** Why a signed request was refused (DingTalk answers both with errcode 310000). */
export type SignCheck = 'ok' | 'invalid timestamp' | 'sign not match';

/**
 * The receiving side's check (the fake's): the timestamp is whole milliseconds within the
 * window of `now`, and the decoded `sign` equals the recomputed one, compared in constant time.
 *
 * @example verifyDingtalkSign({ timestamp: '1700000000000', sign: 'TSZb…=' }, 'SEC0123456789abcdef', 1700000000000) // 'ok'
 */
export function verifyDingtalkSign(
  query: Readonly<{ timestamp?: string; sign?: string }>,
  secret: string,
  now: number,
): SignCheck {
  const ts = query.timestamp;
  if (!ts || !/^\d{1,16}$/.test(ts) || Math.abs(Number(ts) - now) > SIGN_WINDOW_MS) {
    return 'invalid timestamp';
  }
  const expected = dingtalkSignature(Number(ts), secret);
  return query.sign && signing.safeEqual(query.sign, expected) ? 'ok' : 'sign not match';
}
