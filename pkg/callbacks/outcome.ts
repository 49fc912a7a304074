import { HttpError, type HttpResponse } from '../channels/kit/types.ts';

/**
 * What one callback post came to, decided from the receiver's answer or the transport error:
 * - `done`: 2xx;
 * - `retry`: 408, 429, 5xx, timeouts and connection failures (the receiver may recover);
 * - `dead`: 410 Gone (the receiver asks to stop: `GONE`), any other 3xx/4xx (redirects are not
 *   followed; a client error does not fix itself), an address the SSRF guard refuses.
 * `reason` is a short code kept with the entry (`HTTP_503`, `HTTP_TIMEOUT`…); `message` names
 * the host at most, never the path, query or credentials.
 *
 * @example { kind: 'retry', reason: 'HTTP_503', message: 'the receiver answered 503', retryAfterMs: 5000 }
 */
export type PostOutcome =
  | Readonly<{ kind: 'done' }>
  | Readonly<{ kind: 'retry'; reason: string; message: string; retryAfterMs?: number }>
  | Readonly<{ kind: 'dead'; reason: string; message: string }>;

/** Longest Retry-After honoured; a receiver cannot park a callback for days. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The outcome of an HTTP answer.
 *
 * @example outcomeOfResponse({ status: 503, headers: { 'retry-after': '5' } }) // { kind: 'retry', reason: 'HTTP_503', retryAfterMs: 5000, … }
 */
export function outcomeOfResponse(res: Pick<HttpResponse, 'status' | 'headers'>): PostOutcome {
  const s = res.status;
  if (s >= 200 && s < 300) return { kind: 'done' };
  const reason = `HTTP_${s}`;
  if (s === 410) return { kind: 'dead', reason: 'GONE', message: 'the receiver answered 410 Gone' };
  if (s === 408 || s === 429 || s >= 500) {
    const after = retryAfterMs(res.headers['retry-after']);
    return {
      kind: 'retry',
      reason,
      message: `the receiver answered ${s}`,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  }
  if (s >= 300 && s < 400)
    return { kind: 'dead', reason, message: `redirects are not followed (answered ${s})` };
  return { kind: 'dead', reason, message: `the receiver answered ${s}` };
}

/**
 * The outcome of a post that got no answer: a refused address is permanent, everything else
 * (timeout, refused connection, DNS) may pass.
 *
 * @example outcomeOfError(new HttpError('HTTP_TIMEOUT', 'x: no answer')) // { kind: 'retry', reason: 'HTTP_TIMEOUT', … }
 */
export function outcomeOfError(err: unknown): PostOutcome {
  if (err instanceof HttpError) {
    const message = err.message.slice(0, 300);
    return err.retryable
      ? { kind: 'retry', reason: err.code, message }
      : { kind: 'dead', reason: err.code, message };
  }
  return { kind: 'retry', reason: 'HTTP_ERROR', message: 'the post failed unexpectedly' };
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(v: string | undefined, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const ms = /^\d+$/.test(v.trim()) ? Number(v.trim()) * 1000 : Date.parse(v) - now;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
