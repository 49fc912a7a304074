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
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is with its content type (CSV uploads, provider callbacks). */
  raw?: { body: string | Uint8Array; contentType: string };
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Cancels the request (and, for a stream, ends it). */
  signal?: AbortSignal;
  /** Error statuses that still carry the answer (`/readyz`'s 503), returned instead of thrown. */
  answerStatuses?: readonly number[];
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

/** What a client is built from: where the API is, its credential, and how to reach it. */
export type ClientOptions = {
  baseUrl: string;
  fetch?: FetchLike;
  /** Per-request timeout (ms); none by default (never for streams). */
  timeoutMs?: number;
};

/**
 * Builds the request function of a client. Without `token` no Authorization header is sent
 * (the public routes). A JSON answer is parsed; any other (`/metrics`, a provider's ack) is
 * returned as text.
 *
 * @example const http = createHttpCore({ baseUrl: 'http://127.0.0.1:3000', token: apiKey });
 * const { data } = await http<SendResponse>('POST', '/v1/send', { body });
 */
export function createHttpCore(opts: ClientOptions & { token?: string }): HttpCore & {
  /** The raw answer of a successful call, body unread (Server-Sent Events). */
  stream: (method: string, path: string, req?: RequestOptions) => Promise<Response>;
} {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init));
  const send = async (method: string, path: string, req: RequestOptions, streaming: boolean) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const url = `${base}${path}${qs.size ? `?${qs}` : ''}`;
    const headers: Record<string, string> = {
      ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
      accept: streaming ? 'text/event-stream' : 'application/json',
      ...req.headers,
    };
    let body: string | Uint8Array | undefined;
    if (req.raw) {
      headers['content-type'] = req.raw.contentType;
      body = req.raw.body;
    } else if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const timeout = !streaming && opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined;
    const signal = timeout && req.signal ? AbortSignal.any([timeout, req.signal]) : (timeout ?? req.signal);
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      const timedOut = (err as Error)?.name === 'TimeoutError';
      throw new PushApiError(
        0,
        timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        `${method} ${path}: ${(err as Error)?.message ?? 'request failed'}`,
      );
    }
    if (!res.ok && !req.answerStatuses?.includes(res.status)) throw await toError(res);
    return res;
  };
  const call = async <T>(method: string, path: string, req: RequestOptions = {}) => {
    const res = await send(method, path, req, false);
    const text = await res.text();
    const json = /\bjson\b/i.test(res.headers.get('content-type') ?? 'application/json');
    return { data: (text ? (json ? JSON.parse(text) : text) : undefined) as T, response: res };
  };
  return Object.assign(call, {
    stream: (method: string, path: string, req: RequestOptions = {}) => send(method, path, req, true),
  });
}
