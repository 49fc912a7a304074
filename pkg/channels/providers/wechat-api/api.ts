import { type ErrorClass, type ErrorTable, failure, type SendFailure } from '../../definition.ts';
import { TokenFetchError, transportFailure } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { FetchedToken, HttpRequest, HttpResponse, Kit } from '../../kit/types.ts';
import { BAD_RESPONSE, retryAfterOf, TOKEN_ERROR } from './errors.ts';

export { TokenFetchError } from '../../failures.ts';

/**
 * The HTTP conventions every WeChat call shares (PROVIDERS.md §9.1): answers are HTTP 200 with
 * JSON; a failure carries `{ errcode, errmsg }`, a success has `errcode: 0` or no errcode at all
 * (`stable_token`). The AppSecret travels in bodies and the token in query strings, so every
 * message that reaches an outcome or a log is scrubbed of both.
 */

/** A WeChat answer body (errcode 0 or absent = success; other fields depend on the call). */
export type WechatAnswer = Readonly<{ errcode: number; errmsg: string } & Record<string, unknown>>;

/**
 * A call's result: the answer with errcode 0 and, where it has one, its `msgid` as exact
 * decimal text — or the failure it came to.
 */
export type CallResult = Readonly<{ ok: true; answer: WechatAnswer; msgid?: string }> | SendFailure;

/** What {@link wechatCall} needs besides the request. */
export type CallOptions = Readonly<{
  table: ErrorTable;
  /** Texts to scrub from every message (the AppSecret, the token). */
  secrets: readonly string[];
  now: () => number;
  /** A send: an unreadable answer to it may hide a message that went out. */
  sending?: boolean;
  /** Errcodes that mean success for this call (e.g. "already sent" for an idempotent send). */
  accept?: readonly string[];
}>;

/** Class of an answer that is not WeChat's JSON, by HTTP status. */
const statusClass = (status: number): ErrorClass =>
  status === 429 ? 'rate_limited' : status >= 500 ? 'retryable' : 'permanent';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `msgid` of an answer as written in its text. WeChat's msgids are 64-bit (e.g.
 * `1988810812324364291`): JSON.parse would round them to the nearest double, and a rounded id
 * names another message.
 *
 * @example msgidOf('{"errcode":0,"errmsg":"ok","msgid":1988810812324364291}') // '1988810812324364291'
 */
export function msgidOf(body: string): string | undefined {
  // `msg_id` is the spelling of the "already sent" answer (45065) of the global code table.
  return /"msg_?id"\s*:\s*"?(\d{1,20})"?/.exec(body)?.[1];
}

/**
 * Sends one request and reads WeChat's answer. Transport failures, non-200 statuses and bodies
 * that are not a JSON object become failures (retryable where another try may work); an errcode
 * other than 0 is classified by `table` (unknown codes: permanent), with the Retry-After its
 * quota's reset gives.
 *
 * @example
 * const r = await wechatCall(kit.http, { method: 'POST', url, json }, { table, secrets: [secret, token], now: kit.now });
 * if (r.ok) r.msgid // '1988810812324364291'
 */
export async function wechatCall(
  http: Kit['http'],
  req: HttpRequest,
  opts: CallOptions,
): Promise<CallResult> {
  const { table, secrets } = opts;
  let res: HttpResponse;
  try {
    res = await http.request(req);
  } catch (err) {
    return transportFailure(table, err, secrets);
  }
  const body = res.json();
  const errmsg = isObject(body) && typeof body.errmsg === 'string' ? scrub(body.errmsg, secrets) : '';
  if (res.status !== 200) {
    const text = errmsg || scrub(res.body.slice(0, 200), secrets) || `HTTP ${res.status}`;
    return failure(table, `HTTP_${res.status}`, text, { fallback: statusClass(res.status) });
  }
  const errcode = isObject(body) ? Number(body.errcode ?? 0) : Number.NaN;
  if (!isObject(body) || !Number.isInteger(errcode)) {
    return failure(table, BAD_RESPONSE, 'answer is not a WeChat JSON object', {
      ...(opts.sending ? { inDoubt: true } : {}),
    });
  }
  const code = String(errcode);
  if (errcode !== 0 && !opts.accept?.includes(code)) {
    const retryAfterMs = retryAfterOf(code, opts.now());
    return failure(
      table,
      code,
      errmsg || `errcode ${code}`,
      retryAfterMs === undefined ? {} : { retryAfterMs },
    );
  }
  const msgid = msgidOf(res.body);
  const answer = Object.freeze({ ...body, errcode, errmsg }) as WechatAnswer;
  return msgid === undefined ? { ok: true, answer } : { ok: true, answer, msgid };
}

/** The stable-token call's path (§9.1). */
export const STABLE_TOKEN_PATH = '/cgi-bin/stable_token';

/**
 * Fetches the stable access token (`POST /cgi-bin/stable_token`, §9.1) in normal mode: within
 * its life WeChat hands out the same token again (renewing it 5 minutes before expiry), so
 * every process and a fresh fetch after a refusal agree on one token. Never `force_refresh`:
 * that invalidates the token every other process holds (and is limited to 20 a day). Throws
 * {@link TokenFetchError}; a token code answered by the token call itself cannot mean
 * "refresh" (there is nothing to refresh), so it becomes `account` (40001 there: wrong secret).
 *
 * @example const t = await fetchStableToken(kit, config, WECHAT_COMMON_ERRORS);
 * // { token: '…', expiresInMs: 7_200_000 }
 */
export async function fetchStableToken(
  kit: Pick<Kit, 'http' | 'now'>,
  config: Readonly<{ appId: string; appSecret: string; baseUrl: string; timeoutMs: number }>,
  table: ErrorTable,
): Promise<FetchedToken> {
  const r = await wechatCall(
    kit.http,
    {
      method: 'POST',
      url: `${config.baseUrl.replace(/\/+$/, '')}${STABLE_TOKEN_PATH}`,
      json: {
        grant_type: 'client_credential',
        appid: config.appId,
        secret: config.appSecret,
        force_refresh: false,
      },
      timeoutMs: config.timeoutMs,
    },
    { table, secrets: [config.appSecret], now: kit.now },
  );
  if (!r.ok) {
    throw new TokenFetchError(r.tokenExpired ? failure({}, r.code, r.message, { fallback: 'account' }) : r);
  }
  const token = r.answer.access_token;
  const expiresIn = Number(r.answer.expires_in);
  if (typeof token !== 'string' || token === '' || !(expiresIn > 0)) {
    throw new TokenFetchError(
      failure(table, BAD_RESPONSE, 'stable_token answered without access_token/expires_in'),
    );
  }
  return { token, expiresInMs: expiresIn * 1000 };
}

/**
 * The failure an error thrown around a token call stands for: its own failure when the token
 * fetch failed, else a retryable {@link TOKEN_ERROR} (with secrets scrubbed from its text).
 *
 * @example failureOfThrow(new TokenFetchError(f), [], table) === f // true
 */
export function failureOfThrow(err: unknown, secrets: readonly string[], table: ErrorTable): SendFailure {
  if (err instanceof TokenFetchError) return err.failure;
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof TokenFetchError) return cause.failure;
  return failure(table, TOKEN_ERROR, scrub(String((err as Error)?.message ?? err), secrets), {
    fallback: 'retryable',
  });
}
