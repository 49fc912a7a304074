import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (v1.0.0) symmetric signatures, used by the webhook channel and by status
 * callbacks to callers. Signed content is `<id>.<timestamp>.<raw body>`; the header is a
 * space-separated list of `v1,<base64 HMAC-SHA256>` entries (several allow key rotation).
 */

/** Tolerance of a receiver for the `webhook-timestamp` (the spec's reference libraries: 5 min). */
export const WEBHOOK_TOLERANCE_S = 300;

const PREFIX = 'whsec_';

/**
 * The key bytes of a `whsec_<base64>` secret (the prefix is optional, as in the reference
 * libraries). Throws on an empty or undecodable secret.
 *
 * @example webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').length // 24
 */
export function webhookKey(secret: string): Buffer {
  const b64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (b64.length === 0 || key.length === 0) throw new Error('webhook secret is empty');
  return key;
}

/**
 * A new random secret in the spec's form (32 key bytes).
 *
 * @example newWebhookSecret().startsWith('whsec_') // true
 */
export const newWebhookSecret = (): string => PREFIX + randomBytes(32).toString('base64');

/**
 * The `webhook-signature` header value of one message.
 *
 * @example
 * signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330,
 *   '{"test": 2432232314}') // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function signWebhook(secret: string, id: string, timestampS: number, body: string | Buffer): string {
  const mac = createHmac('sha256', webhookKey(secret))
    .update(`${id}.${timestampS}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three headers of a signed message (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
 *
 * @example webhookHeaders(secret, 'msg_1', body, Date.now())['webhook-id'] // 'msg_1'
 */
export function webhookHeaders(
  secret: string,
  id: string,
  body: string | Buffer,
  nowMs: number,
): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signWebhook(secret, id, ts, body),
  };
}

/**
 * Verifies a received message as the spec's reference libraries do: all three headers present,
 * an integer timestamp within ±{@link WEBHOOK_TOLERANCE_S} of now, and any `v1` entry matching
 * in constant time (other versions are skipped). Header names are matched case-insensitively.
 *
 * @example verifyWebhook(secret, headers, rawBody, Date.now()) // { ok: true } or { ok: false, reason }
 */
export function verifyWebhook(
  secret: string,
  headers: Readonly<Record<string, string | undefined>>,
  body: string | Buffer,
  nowMs: number,
): { ok: true } | { ok: false; reason: string } {
  const h: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  const id = h['webhook-id'];
  const tsText = h['webhook-timestamp'];
  const sigs = h['webhook-signature'];
  if (!id || !tsText || !sigs) return { ok: false, reason: 'missing headers' };
  if (!/^\d+$/.test(tsText)) return { ok: false, reason: 'invalid timestamp' };
  const ts = Number(tsText);
  const now = Math.floor(nowMs / 1000);
  if (now - ts > WEBHOOK_TOLERANCE_S) return { ok: false, reason: 'timestamp too old' };
  if (ts > now + WEBHOOK_TOLERANCE_S) return { ok: false, reason: 'timestamp too new' };
  const expected = Buffer.from(signWebhook(secret, id, ts, body).slice(3), 'base64');
  for (const entry of sigs.split(' ')) {
    const [version, sig] = entry.split(',', 2);
    if (version !== 'v1' || !sig) continue;
    const got = Buffer.from(sig, 'base64');
    if (got.length === expected.length && timingSafeEqual(got, expected)) return { ok: true };
  }
  return { ok: false, reason: 'no matching signature' };
}
