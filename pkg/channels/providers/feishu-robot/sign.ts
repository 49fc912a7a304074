import { signing } from '../../kit/signing.ts';

/**
 * The Feishu custom bot signature (PROVIDERS.md §8.2, the custom-bot guide's 签名校验 section).
 * Unlike DingTalk's, the HMAC key is the string to sign itself and the message is empty:
 * `sign = Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = ""))`, with the
 * timestamp in Unix seconds. Both go at the top level of the JSON body (not in the URL), the
 * timestamp as a string. The client signs with it and the fake verifies with it, so both are
 * checked against the §8.2 vectors (sign.test.ts).
 */

/** How far a signed timestamp may be from Feishu's clock (1 hour). */
export const SIGN_WINDOW_S = 3600;

/**
 * The `sign` of `timestamp` (Unix seconds) under `secret`.
 *
 * @example feishuSign(1599360473, 'demo') // 'l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8='
 */
export function feishuSign(timestamp: number | string, secret: string): string {
  return signing.hmac('sha256', `${timestamp}\n${secret}`, '').toString('base64');
}

/** The fields a signed body carries at its top level. */
export type SignFields = Readonly<{ timestamp: string; sign: string }>;

/**
 * The signature fields for a send at `nowMs` (the kit's clock).
 *
 * @example signFields(1599360473_900, 'demo') // { timestamp: '1599360473', sign: 'l1N0…Yc8=' }
 */
export function signFields(nowMs: number, secret: string): SignFields {
  const timestamp = String(Math.floor(nowMs / 1000));
  return Object.freeze({ timestamp, sign: feishuSign(timestamp, secret) });
}
