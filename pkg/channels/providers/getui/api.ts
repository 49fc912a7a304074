import { type ErrorTable, failure, type SendFailure } from '../../definition.ts';
import { statusClass, TokenFetchError, transportFailure } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { FetchedToken, HttpResponse, Kit } from '../../kit/types.ts';
import type { GetuiConfig } from './config.ts';
import { BAD_RESPONSE, GETUI_AUTH_ERRORS, GETUI_ERRORS, QUOTA_RETRY_MS, TOKEN_ERROR } from './errors.ts';
import { authBody } from './sign.ts';

export { TokenFetchError } from '../../failures.ts';

/**
 * The REST v2 conventions every GeTui call shares (PROVIDERS.md §11): JSON bodies
 * (`application/json;charset=utf-8`), the token in a header literally named `token`, and answers
 * `{ code, msg, data }` where code 0 is success; errors come with an HTTP status beside the code.
 * Nothing that reaches an outcome or log may carry the master secret or a token.
 */

export const CONTENT_TYPE = 'application/json;charset=utf-8';

/** A successful GeTui answer (`data` depends on the call). */
export type GetuiAnswer = Readonly<{ code: 0; msg: string; data: unknown }>;

/** A call's result: GeTui's answer with code 0, or the failure it came to. */
export type CallResult = Readonly<{ ok: true; answer: GetuiAnswer }> | SendFailure;

/** How to read one call's failures. */
export type CallOptions = Readonly<{
  secrets: readonly string[];
  table?: ErrorTable;
  /**
   * Whether the call itself pushes to devices: only then can a lost or unreadable answer mean
   * the message went out (in doubt). Auth and message creation send nothing to anyone.
   */
  pushes: boolean;
}>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** GeTui's code as a number (some answers quote it), `undefined` when there is none. */
const codeOf = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v)
    ? v
    : typeof v === 'string' && /^\d{1,9}$/.test(v)
      ? Number(v)
      : undefined;

/** Retry-After in ms (seconds form only), or the known wait of a per-minute quota. */
function retryAfter(res: HttpResponse, code: string): number | undefined {
  if (code === '10003' || code === '10005') return QUOTA_RETRY_MS;
  const s = res.headers['retry-after'];
  return s && /^\d{1,6}$/.test(s) ? Number(s) * 1000 : undefined;
}

/**
 * Sends one request to GeTui and reads the answer. A transport failure, a body code other than
 * 0 (classified by the table, unknown codes by the HTTP status) and an answer that is not
 * GeTui's JSON all become failures; never throws.
 *
 * @example
 * const r = await getuiCall(kit, { url: `${base}/push/single/cid`, headers: { token }, json: body }, { secrets: [token], pushes: true });
 * if (r.ok) r.answer.data // { "<taskid>": { "<cid>": "successed_online" } }
 */
export async function getuiCall(
  kit: Pick<Kit, 'http'>,
  req: Readonly<{
    url: string;
    headers?: Readonly<Record<string, string>>;
    json: unknown;
    timeoutMs: number;
  }>,
  opts: CallOptions,
): Promise<CallResult> {
  const table = opts.table ?? GETUI_ERRORS;
  const doubt = opts.pushes ? {} : { inDoubt: false };
  let res: HttpResponse;
  try {
    res = await kit.http.request({
      method: 'POST',
      url: req.url,
      headers: { ...req.headers, 'content-type': CONTENT_TYPE },
      json: req.json,
      timeoutMs: req.timeoutMs,
    });
  } catch (err) {
    return transportFailure(table, err, opts.secrets, doubt);
  }
  const body = res.json();
  const code = isObject(body) ? codeOf(body.code) : undefined;
  const msg = isObject(body) && typeof body.msg === 'string' ? scrub(body.msg, opts.secrets) : '';
  if (code !== undefined && code !== 0) {
    const c = String(code);
    const after = retryAfter(res, c);
    return failure(table, c, msg || `GeTui code ${c}`, {
      fallback: statusClass(res.status),
      ...doubt,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    });
  }
  if (res.status !== 200) {
    const c = `HTTP_${res.status}`;
    const after = retryAfter(res, c);
    return failure(table, c, msg || scrub(res.body.slice(0, 200), opts.secrets) || `HTTP ${res.status}`, {
      fallback: statusClass(res.status),
      ...doubt,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    });
  }
  if (code === undefined || !isObject(body)) {
    return failure(table, BAD_RESPONSE, 'answer is not a GeTui {code, msg, data} object', {
      inDoubt: opts.pushes,
    });
  }
  return { ok: true, answer: Object.freeze({ code: 0, msg, data: body.data }) };
}

/**
 * Fetches a fresh token (`POST BaseUrl/auth`, §11.2), signed at the kit's clock. Its life comes
 * from `expire_time` (an absolute ms time; about a day). Throws {@link TokenFetchError}: wrong
 * credentials are the account's failure, quotas and unreachable hosts retryable.
 *
 * @example const t = await fetchGetuiToken(kit, config); // { token: '…', expiresInMs: 86_400_000 }
 */
export async function fetchGetuiToken(
  kit: Pick<Kit, 'http' | 'now'>,
  config: GetuiConfig,
): Promise<FetchedToken> {
  const secrets = [config.masterSecret];
  const r = await getuiCall(
    kit,
    {
      url: `${config.baseUrl}/auth`,
      json: authBody(config.appKey, config.masterSecret, kit.now()),
      timeoutMs: config.timeoutMs,
    },
    { secrets, table: GETUI_AUTH_ERRORS, pushes: false },
  );
  if (!r.ok) throw new TokenFetchError(r);
  const data = isObject(r.answer.data) ? r.answer.data : {};
  const token = data.token;
  const expiresInMs = Number(data.expire_time) - kit.now();
  if (typeof token !== 'string' || token === '' || !(expiresInMs > 0)) {
    throw new TokenFetchError(
      failure(GETUI_AUTH_ERRORS, BAD_RESPONSE, 'auth answered without a token or a future expire_time', {
        inDoubt: false,
      }),
    );
  }
  return { token, expiresInMs };
}

/**
 * The failure an error thrown around a token call stands for: its own failure when the token
 * fetch failed, else a retryable unknown error (secrets scrubbed from its text).
 *
 * @example failureOfThrow(new TokenFetchError(f), []) === f // true
 */
export function failureOfThrow(err: unknown, secrets: readonly string[]): SendFailure {
  if (err instanceof TokenFetchError) return err.failure;
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof TokenFetchError) return cause.failure;
  const message = scrub(String((err as Error)?.message ?? err), secrets);
  return failure(GETUI_ERRORS, TOKEN_ERROR, message, { fallback: 'retryable', inDoubt: false });
}
