/**
 * The HTTP core shared by the send and admin clients: bearer auth, JSON in and out, and one error
 * type for every failed call.
 */

/** A `fetch`-compatible function (global fetch, or Hono's `app.request` for in-process tests). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response> | Response;

/**
 * A failed API call: the API's `{ error: { code, message, details } }` with the HTTP status, and
 * `retryAfter` (seconds) when the server sent `Retry-After` (429, 503, 409). A request that never
 * got an answer has status 0 and code `NETWORK_ERROR` (or `TIMEOUT`).
 *
 * @example
 * try { await client.send(body); }
 * catch (e) { if (e instanceof PushApiError && e.status === 503) await sleep((e.retryAfter ?? 1) * 1000); }
 */
export class PushApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, details?: unknown, retryAfter?: number) {
    super(message);
    this.name = 'PushApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

export type RequestOptions = {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
};

export type HttpCore = <T>(
  method: string,
  path: string,
  opts?: RequestOptions,
) => Promise<{ data: T; response: Response }>;

/** Seconds from a `Retry-After` header (delta seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

async function toError(res: Response): Promise<PushApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = body?.error;
    if (e && typeof e.code === 'string') {
      return new PushApiError(res.status, e.code, String(e.message ?? e.code), e.details, retryAfter);
    }
  } catch {
    // not JSON: a proxy's or crashed server's answer; keep a snippet
  }
  return new PushApiError(
    res.status,
    `HTTP_${res.status}`,
    text.slice(0, 200) || res.statusText,
    undefined,
    retryAfter,
  );
}

/**
 * Builds the request function of a client.
 *
 * @example const http = createHttpCore({ baseUrl: 'http://127.0.0.1:3000', token: apiKey });
 * const { data } = await http<SendResponse>('POST', '/v1/send', { body });
 */
export function createHttpCore(opts: {
  baseUrl: string;
  token: string;
  fetch?: FetchLike;
  /** Per-request timeout (ms); none by default. */
  timeoutMs?: number;
}): HttpCore {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init));
  return async <T>(method: string, path: string, req: RequestOptions = {}) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const url = `${base}${path}${qs.size ? `?${qs}` : ''}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${opts.token}`,
      accept: 'application/json',
      ...req.headers,
    };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {}),
      });
    } catch (err) {
      const timeout = (err as Error)?.name === 'TimeoutError';
      throw new PushApiError(
        0,
        timeout ? 'TIMEOUT' : 'NETWORK_ERROR',
        `${method} ${path}: ${(err as Error)?.message ?? 'request failed'}`,
      );
    }
    if (!res.ok) throw await toError(res);
    const text = await res.text();
    return { data: (text ? JSON.parse(text) : undefined) as T, response: res };
  };
}
