import type { SendFailure } from '../../definition.ts';
import { failure } from '../../definition.ts';
import { statusClass, TokenFetchError, transportFailure } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { FetchedToken, HttpClient, HttpRequest } from '../../kit/types.ts';
import { BAD_RESPONSE, WECOM_APP_ERRORS } from './errors.ts';

export { TokenFetchError } from '../../failures.ts';

/**
 * The WeCom HTTP conventions every call of the app-message client shares: answers are HTTP 200
 * with `{ errcode, errmsg, … }` (errcode 0 = success), credentials travel in query strings, and
 * nothing that reaches an outcome or log may carry them.
 */

/** A WeCom answer body (errcode 0 = success; other fields depend on the call). */
export type WecomAnswer = Readonly<{ errcode: number; errmsg: string } & Record<string, unknown>>;

/** A call's result: WeCom's answer with errcode 0, or the failure it came to. */
export type CallResult = Readonly<{ ok: true; answer: WecomAnswer }> | SendFailure;

/**
 * Sends one request and reads WeCom's answer. Transport failures, non-200 statuses and bodies
 * that are not an errcode object become failures (retryable where another try may work); an
 * errcode other than 0 is classified by the error table (unknown codes: permanent).
 *
 * @example
 * const r = await wecomCall(kit.http, { url: `${base}/cgi-bin/message/recall?access_token=${t}`, json: { msgid } }, [t]);
 * if (r.ok) r.answer.errcode // 0
 */
export async function wecomCall(
  http: HttpClient,
  req: HttpRequest,
  secrets: readonly string[],
): Promise<CallResult> {
  let res: Awaited<ReturnType<HttpClient['request']>>;
  try {
    res = await http.request(req);
  } catch (err) {
    return transportFailure(WECOM_APP_ERRORS, err, secrets);
  }
  const body = res.json() as Partial<WecomAnswer> | undefined;
  if (res.status !== 200) {
    const text = scrub(typeof body?.errmsg === 'string' ? body.errmsg : res.body.slice(0, 200), secrets);
    return failure(WECOM_APP_ERRORS, `HTTP_${res.status}`, text || `HTTP ${res.status}`, {
      fallback: statusClass(res.status),
    });
  }
  if (!body || typeof body !== 'object' || typeof body.errcode !== 'number') {
    return failure(WECOM_APP_ERRORS, BAD_RESPONSE, 'answer is not a WeCom errcode object');
  }
  const answer = { ...body, errmsg: typeof body.errmsg === 'string' ? body.errmsg : '' } as WecomAnswer;
  if (answer.errcode !== 0) {
    return failure(WECOM_APP_ERRORS, String(answer.errcode), scrub(answer.errmsg, secrets) || 'error');
  }
  return { ok: true, answer };
}

/**
 * Fetches an access token (`GET /cgi-bin/gettoken`, §7.1). Throws {@link TokenFetchError}: a
 * bad corpid/secret is permanent, anything else (busy, unreachable) retryable. A token code
 * from gettoken itself cannot mean "refresh" (there is nothing to refresh), so it is retryable.
 *
 * @example const t = await fetchWecomToken(kit.http, 'https://qyapi.weixin.qq.com', 'ww1', 'secret');
 * // { token: '…', expiresInMs: 7_200_000 }
 */
export async function fetchWecomToken(
  http: HttpClient,
  baseUrl: string,
  corpId: string,
  corpSecret: string,
): Promise<FetchedToken> {
  const url = `${baseUrl}/cgi-bin/gettoken?corpid=${encodeURIComponent(corpId)}&corpsecret=${encodeURIComponent(corpSecret)}`;
  const r = await wecomCall(http, { method: 'GET', url }, [corpSecret]);
  if (!r.ok) {
    throw new TokenFetchError(r.tokenExpired ? { ...stripToken(r), retryable: true } : r);
  }
  const token = r.answer.access_token;
  const expiresIn = Number(r.answer.expires_in);
  if (typeof token !== 'string' || token === '' || !(expiresIn > 0)) {
    throw new TokenFetchError(
      failure(WECOM_APP_ERRORS, BAD_RESPONSE, 'gettoken answered without access_token/expires_in'),
    );
  }
  return { token, expiresInMs: expiresIn * 1000 };
}

const stripToken = ({ tokenExpired: _, ...rest }: SendFailure): SendFailure => rest;

/**
 * The failure an error thrown around a token call stands for: its own failure when the token
 * fetch failed, else a retryable unknown error (with secrets scrubbed from its text).
 *
 * @example failureOfThrow(new TokenFetchError(f), []) === f // true
 */
export function failureOfThrow(err: unknown, secrets: readonly string[]): SendFailure {
  if (err instanceof TokenFetchError) return err.failure;
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof TokenFetchError) return cause.failure;
  const message = scrub(String((err as Error)?.message ?? err), secrets);
  return failure(WECOM_APP_ERRORS, 'TOKEN_ERROR', message, { fallback: 'retryable' });
}
