import type { SendFailure } from '../../definition.ts';
import { failure } from '../../definition.ts';
import { statusClass, TokenFetchError, transportFailure } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { FetchedToken, HttpClient, HttpRequest } from '../../kit/types.ts';
import { BAD_RESPONSE, DINGTALK_WORK_ERRORS, MINUTE_QUOTA_CODES, QUOTA_WINDOW_MS } from './errors.ts';

export { TokenFetchError } from '../../failures.ts';

/**
 * The DingTalk server-API conventions every call of the work-notice client shares (§5): answers
 * are HTTP 200 with `{ errcode, errmsg, … }` (errcode 0 = success; errcode 88 names the real
 * reason in `sub_code`/`sub_msg`), the access token travels in the query string, and nothing
 * that reaches an outcome or a log may carry it or the AppSecret.
 */

/** The API paths of work notices (§5.2–5.4). */
export const PATHS = Object.freeze({
  send: '/topapi/message/corpconversation/asyncsend_v2',
  result: '/topapi/message/corpconversation/getsendresult',
  progress: '/topapi/message/corpconversation/getsendprogress',
  recall: '/topapi/message/corpconversation/recall',
});

/** A DingTalk answer body (errcode 0 = success; other fields depend on the call). */
export type DingtalkAnswer = Readonly<{ errcode: number; errmsg: string } & Record<string, unknown>>;

/** A call's result: the answer with errcode 0 and its raw text (for exact long ids), or the failure. */
export type CallResult = Readonly<{ ok: true; answer: DingtalkAnswer; raw: string }> | SendFailure;

const errcodeOf = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v)
    ? v
    : typeof v === 'string' && /^-?\d{1,10}$/.test(v)
      ? Number(v)
      : undefined;

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/**
 * Sends one request and reads DingTalk's answer. Transport failures keep the kit's codes
 * (timeouts and resets in doubt), a non-200 status is `HTTP_<status>`, a body that is no errcode
 * object is {@link BAD_RESPONSE} (in doubt when the call `sends`), and a refusal's code is its
 * errcode, or its `sub_code` when the errcode is the generic 88.
 *
 * @example
 * const r = await dingtalkCall(kit.http, { method: 'POST', url, body, headers }, [token], { sends: true });
 * if (r.ok) taskIdOf(r.raw);
 */
export async function dingtalkCall(
  http: HttpClient,
  req: HttpRequest,
  secrets: readonly string[],
  opts: { sends?: boolean } = {},
): Promise<CallResult> {
  let res: Awaited<ReturnType<HttpClient['request']>>;
  try {
    res = await http.request(req);
  } catch (err) {
    return transportFailure(DINGTALK_WORK_ERRORS, err, secrets);
  }
  const parsed = res.json();
  const body = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  if (res.status !== 200) {
    const msg = scrub(text(body.errmsg) || res.body.slice(0, 200), secrets);
    return failure(DINGTALK_WORK_ERRORS, `HTTP_${res.status}`, msg || `HTTP ${res.status}`, {
      fallback: statusClass(res.status),
    });
  }
  const errcode = errcodeOf(body.errcode);
  if (errcode === undefined) {
    return failure(DINGTALK_WORK_ERRORS, BAD_RESPONSE, 'answer is not a DingTalk errcode object', {
      ...(opts.sends ? { inDoubt: true } : {}),
    });
  }
  if (errcode !== 0) {
    const sub = errcode === 88 ? text(body.sub_code) : '';
    const code = sub || String(errcode);
    const why = scrub((sub && text(body.sub_msg)) || text(body.errmsg), secrets) || 'error';
    return failure(DINGTALK_WORK_ERRORS, code, sub ? `${why} (errcode 88)` : why, {
      ...(MINUTE_QUOTA_CODES.has(code) ? { retryAfterMs: QUOTA_WINDOW_MS } : {}),
    });
  }
  return {
    ok: true,
    answer: { ...body, errcode, errmsg: text(body.errmsg) } as DingtalkAnswer,
    raw: res.body,
  };
}

/**
 * A task id as DingTalk wrote it (a long: read from the raw text, so ids past 2^53 stay exact).
 *
 * @example taskIdOf('{"errcode":0,"task_id":256271667526,"request_id":"x"}') // '256271667526'
 */
export function taskIdOf(raw: string): string | undefined {
  return /"task_id"\s*:\s*"?(\d{1,20})"?/.exec(raw)?.[1];
}

/**
 * A JSON POST whose body is given as text (task ids are written as digits, never through a
 * float). The token is in the query string, as DingTalk's legacy APIs take it.
 *
 * @example postJson(`${base}/topapi/message/corpconversation/recall`, token, `{"agent_id":1,"msg_task_id":2}`, 10_000)
 */
export function postJson(url: string, token: string, body: string, timeoutMs: number): HttpRequest {
  return {
    method: 'POST',
    url: `${url}?access_token=${encodeURIComponent(token)}`,
    headers: { 'content-type': 'application/json' },
    body,
    timeoutMs,
  };
}

/**
 * Fetches an access token (`GET /gettoken?appkey=…&appsecret=…`, §5.1). Throws
 * {@link TokenFetchError}: busy, throttled or unreachable is retryable as it came; any other
 * refusal (bad AppKey/AppSecret, even a "token" code, which here can only mean the credentials)
 * is the account's.
 *
 * @example const t = await fetchDingtalkToken(kit.http, 'https://oapi.dingtalk.com', 'dingkey', 'secret', 10_000);
 * // { token: '…', expiresInMs: 7_200_000 }
 */
export async function fetchDingtalkToken(
  http: HttpClient,
  baseUrl: string,
  appKey: string,
  appSecret: string,
  timeoutMs: number,
): Promise<FetchedToken> {
  const url = `${baseUrl}/gettoken?appkey=${encodeURIComponent(appKey)}&appsecret=${encodeURIComponent(appSecret)}`;
  const r = await dingtalkCall(http, { method: 'GET', url, timeoutMs }, [appSecret]);
  if (!r.ok) {
    const theirs = r.tokenExpired || !r.retryable;
    throw new TokenFetchError(theirs ? failure({ [r.code]: 'account' }, r.code, r.message) : r);
  }
  const token = r.answer.access_token;
  const expiresIn = Number(r.answer.expires_in);
  if (typeof token !== 'string' || token === '' || !(expiresIn > 0)) {
    throw new TokenFetchError(
      failure(DINGTALK_WORK_ERRORS, BAD_RESPONSE, 'gettoken answered without access_token/expires_in'),
    );
  }
  return { token, expiresInMs: expiresIn * 1000 };
}

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
  return failure(DINGTALK_WORK_ERRORS, 'TOKEN_ERROR', message, { fallback: 'retryable' });
}
