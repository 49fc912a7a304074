import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import type { FakeReply, FakeRequest } from '../../../testkit/fake-http.ts';
import { JWT_BEARER } from './auth.ts';

/**
 * The token endpoint half of the fake FCM (test-only): Google's OAuth 2.0 JWT-bearer grant as
 * PROVIDERS.md §12.1 describes it. The assertion must be RS256 and verify with the service
 * account's public key; `iss` must be the account, `aud` the endpoint's own URL, `scope` FCM's
 * (or cloud-platform), and `iat`/`exp` now-ish and at most an hour apart. Refusals answer
 * HTTP 400 `{ error, error_description }` with Google's texts (◐ where noted).
 */

/** Scopes that allow FCM sends. */
const SCOPES = new Set([
  'https://www.googleapis.com/auth/firebase.messaging',
  'https://www.googleapis.com/auth/cloud-platform',
]);
/** How far the assertion's `iat` may be ahead of the fake's clock (◐ Google's skew is not documented). */
const SKEW_S = 300;

/** An assertion the endpoint took, decoded. */
export type FakeExchange = Readonly<{
  header: Readonly<Record<string, unknown>>;
  claims: Readonly<Record<string, unknown>>;
  accessToken: string;
}>;

const oauthError = (error: string, description: string, status = 400): FakeReply => ({
  status,
  body: { error, error_description: description },
});

const TIME_ERROR =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

const decode = (part: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A token endpoint for one service account. `exchange(req)` answers a token request;
 * `check(token)` says whether an access token it issued is still valid.
 *
 * @example
 * const oauth = fakeOAuth({ clientEmail, publicKey, tokenUri: `${url}/token`, ttlS: 3599, now: Date.now });
 * const reply = oauth.exchange(req); // { status: 200, body: { access_token: 'ya29.…', expires_in: 3599, token_type: 'Bearer' } }
 */
export function fakeOAuth(opts: {
  clientEmail: string;
  publicKey: string | KeyObject;
  privateKeyId?: string;
  tokenUri: () => string;
  ttlS: number;
  now: () => number;
}) {
  const key = typeof opts.publicKey === 'string' ? createPublicKey(opts.publicKey) : opts.publicKey;
  const issued = new Map<string, number>(); // access token → expires at (ms)
  const exchanges: FakeExchange[] = [];

  const exchange = (req: FakeRequest): FakeReply => {
    if (req.method !== 'POST') return { status: 405, body: 'method not allowed' };
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return oauthError('invalid_request', 'Invalid Content-Type');
    }
    const form = new URLSearchParams(req.body);
    const grant = form.get('grant_type');
    if (grant !== JWT_BEARER)
      return oauthError('unsupported_grant_type', `Invalid grant_type: ${grant ?? ''}`);
    const parts = (form.get('assertion') ?? '').split('.');
    const header = parts.length === 3 ? decode(parts[0]!) : undefined;
    const claims = parts.length === 3 ? decode(parts[1]!) : undefined;
    if (!header || !claims) return oauthError('invalid_request', 'Invalid JWT.'); // ◐
    if (header.alg !== 'RS256') return oauthError('invalid_grant', 'Invalid JWT Signature.');
    if (header.kid !== undefined && opts.privateKeyId !== undefined && header.kid !== opts.privateKeyId) {
      return oauthError('invalid_grant', 'Invalid JWT Signature.');
    }
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!verify('sha256', signed, key, Buffer.from(parts[2]!, 'base64url'))) {
      return oauthError('invalid_grant', 'Invalid JWT Signature.');
    }
    if (claims.iss !== opts.clientEmail)
      return oauthError('invalid_grant', 'Invalid grant: account not found'); // ◐
    if (claims.aud !== opts.tokenUri())
      return oauthError('invalid_grant', 'Invalid JWT: Failed audience check.'); // ◐
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.some((s) => SCOPES.has(s)))
      return oauthError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.'); // ◐
    const iat = claims.iat;
    const exp = claims.exp;
    const nowS = opts.now() / 1000;
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      exp - iat > 3600 ||
      exp <= iat ||
      iat > nowS + SKEW_S ||
      exp <= nowS
    ) {
      return oauthError('invalid_grant', TIME_ERROR);
    }
    const accessToken = `ya29.${randomBytes(48).toString('base64url')}`;
    issued.set(accessToken, opts.now() + opts.ttlS * 1000);
    exchanges.push(Object.freeze({ header, claims, accessToken }));
    return { status: 200, body: { access_token: accessToken, expires_in: opts.ttlS, token_type: 'Bearer' } };
  };

  return Object.freeze({
    exchange,
    /** Whether `token` was issued here and has not expired. */
    check: (token: string): boolean => (issued.get(token) ?? 0) > opts.now(),
    /** Every issued access token expires now. */
    expireAll(): void {
      const t = opts.now();
      for (const k of issued.keys()) issued.set(k, t);
    },
    /** Access tokens issued so far (for checking none leaked into an outcome). */
    issued: (): string[] => [...issued.keys()],
    exchanges,
  });
}
