import type { SendFailure } from '../../definition.ts';
import { failure } from '../../definition.ts';
import { transportFailure } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { HttpClient } from '../../kit/types.ts';
import { BAD_RESPONSE, YUNPIAN_ERRORS } from './errors.ts';

/**
 * The HTTP conventions every Yunpian v2 call shares (PROVIDERS.md §3): a form-encoded POST with
 * the `apikey` field, a JSON answer — HTTP 200 with the result, or an error object
 * `{ http_status_code, code, msg, detail }` (HTTP 400) — and nothing that reaches an outcome
 * may carry the apikey.
 */

/** A call's result: the parsed answer of a call Yunpian accepted, or the failure it came to. */
export type CallResult = Readonly<{ ok: true; body: unknown }> | SendFailure;

/**
 * Parses a Yunpian JSON answer with every `sid` kept as a string: sids are 64-bit integers (the
 * docs warn they must not be read as int), past what a JS number holds exactly. A quote escaped
 * inside a string (`\"sid\"`) is not a key and is left alone. Not JSON → `undefined`.
 *
 * @example parseAnswer('{"sid":12345678901234567890}') // { sid: '12345678901234567890' }
 */
export function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text.replace(/(?<!\\)"sid"\s*:\s*(-?\d+)/g, '"sid":"$1"'));
  } catch {
    return undefined;
  }
}

/** A Yunpian error answer's code (a number, or digits in a string), when the answer is one. */
export function errorCode(body: unknown): number | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const raw = (body as { code?: unknown }).code;
  const code =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(code) ? code : undefined;
}

/** `msg: detail` of an answer (either may be absent). */
export function answerText(body: unknown): string {
  const b = (body ?? {}) as { msg?: unknown; detail?: unknown };
  const msg = typeof b.msg === 'string' ? b.msg : '';
  const detail = typeof b.detail === 'string' && b.detail !== msg ? b.detail : '';
  return [msg, detail].filter(Boolean).join(': ');
}

/**
 * POSTs `form` (the apikey among it) to `url` and reads Yunpian's answer. Transport failures keep
 * the kit's codes; an answer with a non-zero `code` is classified by the error table; other
 * non-2xx answers become `HTTP_<status>` (5xx retryable). With `send`, an answer that cannot be
 * read, and `-50` (unknown exception), leave the send in doubt: the message may have gone out.
 *
 * @example
 * const r = await yunpianCall(kit.http, `${base}/v2/user/get.json`, { apikey }, { secrets: [apikey] });
 * if (r.ok) (r.body as { balance: number }).balance
 */
export async function yunpianCall(
  http: HttpClient,
  url: string,
  form: Readonly<Record<string, string>>,
  opts: { secrets: readonly string[]; send?: boolean; timeoutMs?: number },
): Promise<CallResult> {
  const clean = (text: string) => scrub(text, opts.secrets);
  let res: Awaited<ReturnType<HttpClient['request']>>;
  try {
    res = await http.request({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        accept: 'application/json;charset=utf-8',
      },
      body: new URLSearchParams(form).toString(),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
  } catch (err) {
    return transportFailure(YUNPIAN_ERRORS, err, opts.secrets);
  }
  const body = parseAnswer(res.body);
  const code = errorCode(body);
  if (code !== undefined && code !== 0) {
    return failure(YUNPIAN_ERRORS, String(code), clean(answerText(body)) || `code ${code}`, {
      ...(opts.send && code === -50 ? { inDoubt: true } : {}),
    });
  }
  if (res.status < 200 || res.status > 299) {
    const text = clean(res.body.slice(0, 200)) || `HTTP ${res.status}`;
    return failure(YUNPIAN_ERRORS, `HTTP_${res.status}`, text, {
      fallback: res.status >= 500 ? 'retryable' : 'permanent',
    });
  }
  if (body === undefined || body === null || typeof body !== 'object') {
    return failure(YUNPIAN_ERRORS, BAD_RESPONSE, 'answer is not Yunpian JSON', {
      ...(opts.send ? { inDoubt: true } : {}),
    });
  }
  return Object.freeze({ ok: true as const, body });
}
