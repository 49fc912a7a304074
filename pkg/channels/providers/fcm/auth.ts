import type { SendFailure } from '../../definition.ts';
import { asHttpError, TokenFetchError } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { FetchedToken, HttpResponse, Kit } from '../../kit/types.ts';
import { FCM_SCOPE, type FcmConfig } from './config.ts';
import { fcmFailure, INVALID_PRIVATE_KEY, TOKEN_ERROR } from './errors.ts';

export { TokenFetchError } from '../../failures.ts';

/**
 * The OAuth 2.0 service-account flow (PROVIDERS.md §12.1, RFC 7523): a JWT signed with the
 * account's private key is exchanged at its `token_uri` for an access token of about an hour.
 */

/** The grant type of a JWT bearer assertion. */
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A JWT's life: Google refuses assertions over an hour (`exp - iat ≤ 3600`). */
export const ASSERTION_LIFE_S = 3600;

/**
 * The signed JWT the token endpoint takes, timed by the kit's clock: `iss` the service account,
 * `scope` FCM's, `aud` the token endpoint, valid for an hour. Throws {@link TokenFetchError}
 * when the key cannot sign.
 *
 * @example const jwt = fcmAssertion(config, kit); // 'eyJhbGciOiJSUzI1NiIs….eyJpc3Mi….<sig>'
 */
export function fcmAssertion(config: FcmConfig, kit: Pick<Kit, 'signing' | 'now'>): string {
  const iat = Math.floor(kit.now() / 1000);
  try {
    return kit.signing.jwt({
      alg: 'RS256',
      key: config.privateKey,
      ...(config.privateKeyId ? { header: { kid: config.privateKeyId } } : {}),
      claims: {
        iss: config.clientEmail,
        scope: FCM_SCOPE,
        aud: config.tokenUri,
        iat,
        exp: iat + ASSERTION_LIFE_S,
      },
    });
  } catch (err) {
    // The signing helper's messages never quote the key; scrubbed all the same.
    const text = scrub(String((err as Error)?.message ?? err), [config.privateKey]);
    throw new TokenFetchError(fcmFailure(INVALID_PRIVATE_KEY, text));
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The token endpoint's answer as a token, or the failure it came to. */
function readTokenAnswer(res: HttpResponse, secrets: readonly string[]): FetchedToken | SendFailure {
  const body = res.json();
  if (res.status === 200 && isObject(body)) {
    const token = body.access_token;
    const expiresIn = Number(body.expires_in);
    if (typeof token === 'string' && token !== '' && expiresIn > 0) {
      return { token, expiresInMs: expiresIn * 1000 };
    }
    return fcmFailure(TOKEN_ERROR, 'the token endpoint answered without access_token/expires_in', {
      status: 500,
    });
  }
  // OAuth errors: `{ "error": "invalid_grant", "error_description": "Invalid JWT Signature." }`.
  const code = isObject(body) && typeof body.error === 'string' ? body.error : `HTTP_${res.status}`;
  const description =
    isObject(body) && typeof body.error_description === 'string'
      ? body.error_description
      : res.body.slice(0, 200);
  const text = scrub(`token endpoint: ${code}: ${description}`, secrets);
  // A 200 that is not JSON is someone else's answer: worth another try, like a 5xx.
  return fcmFailure(code, text, { status: res.status === 200 ? 500 : res.status });
}

/**
 * Exchanges a fresh assertion for an access token. Throws {@link TokenFetchError}: a refused key
 * or grant is `account` (another account may send), an unreachable or failing endpoint retryable.
 *
 * @example const t = await fetchFcmToken(config, kit); // { token: 'ya29.…', expiresInMs: 3_599_000 }
 */
export async function fetchFcmToken(config: FcmConfig, kit: Kit): Promise<FetchedToken> {
  const assertion = fcmAssertion(config, kit);
  const secrets = [config.privateKey, assertion];
  let res: HttpResponse;
  try {
    res = await kit.http.request({
      method: 'POST',
      url: config.tokenUri,
      timeoutMs: config.timeoutMs,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
    });
  } catch (err) {
    const e = asHttpError(err);
    // No token came, so nothing was sent: a timeout here is no doubt about a message.
    throw new TokenFetchError(
      fcmFailure(e.code, scrub(`token endpoint: ${e.message}`, secrets), {
        status: e.retryable ? 500 : 400,
        inDoubt: false,
      }),
    );
  }
  const r = readTokenAnswer(res, secrets);
  if ('ok' in r) throw new TokenFetchError(r);
  return r;
}

/**
 * The failure an error thrown around a token call stands for: its own when the token fetch
 * failed, else a retryable unknown error (secrets scrubbed from its text).
 *
 * @example failureOfThrow(new TokenFetchError(f), []) === f // true
 */
export function failureOfThrow(err: unknown, secrets: readonly string[]): SendFailure {
  if (err instanceof TokenFetchError) return err.failure;
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof TokenFetchError) return cause.failure;
  return fcmFailure(TOKEN_ERROR, scrub(String((err as Error)?.message ?? err), secrets), { status: 500 });
}
