import { type ErrorClass, failure, type SendOutcome } from '../../definition.ts';
import { scrub } from '../../kit/scrub.ts';
import { HttpError, type HttpResponse } from '../../kit/types.ts';
import { BAD_RESPONSE, FEISHU_ROBOT_ERRORS } from './errors.ts';

/**
 * How Feishu answers a webhook post (PROVIDERS.md §8.4): JSON `{ code, msg, data }`, `code` 0 on
 * success (with the legacy `StatusCode`/`StatusMessage` beside it, which old answers carry
 * alone). Refusals come as HTTP 200 or 400 with a non-zero code, so the code decides, not the
 * status. The hook id and the secret are credentials: nothing built here may quote them.
 */

/** Longest wait a rate-limit answer may ask for (the custom bot's widest window is a minute). */
const MAX_RETRY_AFTER_MS = 3600_000;

const header = (res: HttpResponse, name: string): string | undefined => {
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
};

/**
 * The wait a throttled answer names, in ms: the open platform's `x-ogw-ratelimit-reset` (seconds,
 * the 频控策略 page) or a `Retry-After` in seconds; undefined when neither is there.
 *
 * @example retryAfterOf(res) // 52000 for `x-ogw-ratelimit-reset: 52`
 */
export function retryAfterOf(res: HttpResponse): number | undefined {
  const v = (header(res, 'x-ogw-ratelimit-reset') ?? header(res, 'retry-after'))?.trim();
  return v && /^\d+$/.test(v) ? Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS) : undefined;
}

/** Class of an answer without a Feishu code, by HTTP status. */
const statusClass = (status: number): ErrorClass =>
  status === 429 ? 'rate_limited' : status >= 500 ? 'retryable' : 'permanent';

const numberOr = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const textOr = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The outcome of Feishu's answer to one post. A custom bot answers no message id, so a success
 * carries none.
 *
 * @example answerOutcome(res, [hookId, secret]) // { ok: true } for {"code":0,"msg":"success","data":{}}
 */
export function answerOutcome(res: HttpResponse, secrets: readonly string[]): SendOutcome {
  const json = res.json();
  const body =
    json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  const code = numberOr(body.code) ?? numberOr(body.StatusCode);
  const msg = scrub(textOr(body.msg) || textOr(body.StatusMessage), secrets);
  const ok2xx = res.status >= 200 && res.status < 300;
  if (code === 0 && ok2xx) return { ok: true };
  const retryAfterMs = retryAfterOf(res);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (code !== undefined && code !== 0) {
    return failure(FEISHU_ROBOT_ERRORS, String(code), msg || `code ${code}`, {
      fallback: res.status >= 500 ? 'retryable' : 'permanent',
      ...wait,
    });
  }
  if (ok2xx) {
    // Feishu took the request and said nothing readable: it may have posted. Same account only.
    return failure(FEISHU_ROBOT_ERRORS, BAD_RESPONSE, `HTTP ${res.status} without a Feishu code`, {
      inDoubt: true,
    });
  }
  const text = msg || scrub(res.body.slice(0, 200), secrets) || `HTTP ${res.status}`;
  return failure(FEISHU_ROBOT_ERRORS, `HTTP_${res.status}`, text, {
    fallback: statusClass(res.status),
    ...wait,
  });
}

/**
 * The outcome of a post that got no answer: the kit's transport code (a timeout or reset is in
 * doubt, `failure()` marks it), its message scrubbed of the hook id and secret.
 *
 * @example transportOutcome(new HttpError('HTTP_CONNECT', 'open.feishu.cn: ECONNREFUSED'), [hookId]).failover // true
 */
export function transportOutcome(err: unknown, secrets: readonly string[]): SendOutcome {
  const e =
    err instanceof HttpError ? err : new HttpError('HTTP_ERROR', String((err as Error)?.message ?? err));
  return failure(FEISHU_ROBOT_ERRORS, e.code, scrub(e.message, secrets), {
    fallback: e.retryable ? 'retryable' : 'permanent',
  });
}
