import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { checkUrl, guardedConnector, type LookupFn } from './ssrf.ts';
import { type HttpClient, HttpError, type HttpRequest, type HttpResponse } from './types.ts';

/**
 * Options of {@link createHttpClient}.
 *
 * @example const opts: HttpClientOptions = { timeoutMs: 10_000, guard: { allowPrivateNetworks: false } };
 */
export type HttpClientOptions = Readonly<{
  /** TCP (and TLS) connect timeout; default 5 s. */
  connectTimeoutMs?: number;
  /** Whole-call timeout, connect to last body byte; default 15 s (a request may override it). */
  timeoutMs?: number;
  /** Response body cap; a larger answer fails with `HTTP_RESPONSE_TOO_LARGE`. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Max open connections per origin (default: unbounded). */
  connections?: number;
  /** The SSRF guard; absent = no address checks (provider APIs at fixed public hosts). */
  guard?: Readonly<{ allowPrivateNetworks: boolean }>;
  /** DNS lookup used by the guard (tests map made-up names to local addresses). */
  lookup?: LookupFn;
}>;

/**
 * Timeouts after the request went out (the send is in doubt). A connect timeout is not among
 * them: nothing was sent, so it is a connect failure, safe to hand to another account.
 */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
/** Failures before the request went out: nothing reached the provider. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** A connection that broke under a request: it may have reached the provider. */
const RESET_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Maps whatever undici or node:net threw to an {@link HttpError}; names the host only, never the path or query. */
function toHttpError(err: unknown, host: string, timedOut: boolean, timeoutMs: number): HttpError {
  if (err instanceof HttpError) return err;
  if (timedOut) return new HttpError('HTTP_TIMEOUT', `${host}: no complete answer within ${timeoutMs} ms`);
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  const what = `${host}: ${code ? `${code} ` : ''}${String(e?.message ?? err).slice(0, 200)}`;
  if (TIMEOUT_CODES.has(code)) return new HttpError('HTTP_TIMEOUT', what);
  if (CONNECT_CODES.has(code)) return new HttpError('HTTP_CONNECT', what);
  if (RESET_CODES.has(code)) return new HttpError('HTTP_RESET', what);
  return new HttpError('HTTP_ERROR', what);
}

/** Reads a body up to `max` bytes; a longer one is aborted (the socket is dropped, not drained). */
async function readCapped(body: Readable, max: number, host: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      throw new HttpError('HTTP_RESPONSE_TOO_LARGE', `${host}: answer larger than ${max} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function answer(
  status: number,
  raw: Record<string, string | string[] | undefined>,
  bytes: Buffer,
): HttpResponse {
  const body = bytes.toString('utf8');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw))
    if (v !== undefined) headers[k.toLowerCase()] = [v].flat().join(', ');
  let parsed: { value: unknown } | undefined;
  return Object.freeze({
    status,
    headers: Object.freeze(headers),
    body,
    bytes,
    json() {
      if (!parsed) {
        try {
          parsed = { value: JSON.parse(body) };
        } catch {
          parsed = { value: undefined };
        }
      }
      return parsed.value;
    },
  });
}

/** The request headers and body as sent: `json` serialised, `user:pass@` turned into Basic auth. */
function outgoing(req: HttpRequest, url: URL): { headers: Record<string, string>; body?: string | Buffer } {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  if ((url.username || url.password) && !headers['authorization']) {
    const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers['authorization'] = `Basic ${Buffer.from(user).toString('base64')}`;
  }
  url.username = '';
  url.password = '';
  if (req.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    return { headers, body: JSON.stringify(req.json) };
  }
  return req.body === undefined ? { headers } : { headers, body: req.body };
}

/**
 * The kit's HTTP client: one keep-alive undici Agent for every provider of the process, a
 * whole-call timeout, a hard cap on answer size, no redirects (a 3xx is an answer, returned as
 * is), and with `guard` the SSRF guard on every connection (see `ssrf.ts`). Transport failures
 * throw {@link HttpError} (`HTTP_TIMEOUT`, `HTTP_CONNECT`, `HTTP_RESET`, `HTTP_RESPONSE_TOO_LARGE`,
 * `HTTP_BLOCKED_ADDRESS`, `HTTP_ERROR`); every HTTP status is an answer. The method defaults to
 * POST when there is a body, GET otherwise.
 *
 * @example
 * const http = createHttpClient({ guard: { allowPrivateNetworks: false } });
 * const res = await http.request({ url: 'https://example.com/hook', json: { a: 1 } });
 * if (res.status >= 500) ...
 * await http.close();
 */
export function createHttpClient(opts: HttpClientOptions = {}): HttpClient {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  const defaultTimeoutMs = opts.timeoutMs ?? 15_000;
  const maxBytes = opts.maxResponseBytes ?? 1024 * 1024;
  const guarded = opts.guard !== undefined && !opts.guard.allowPrivateNetworks;
  const agent = new Agent({
    ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
    connect: guarded
      ? guardedConnector({ timeout: connectTimeoutMs, ...(opts.lookup ? { lookup: opts.lookup } : {}) })
      : { timeout: connectTimeoutMs },
  });

  async function send(req: HttpRequest): Promise<HttpResponse> {
    let url: URL;
    if (guarded) url = checkUrl(req.url);
    else {
      try {
        url = new URL(req.url);
      } catch {
        throw new HttpError('HTTP_ERROR', 'not a valid URL', false);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new HttpError('HTTP_ERROR', `unsupported protocol ${url.protocol}`, false);
      }
    }
    const host = url.host;
    const { headers, body } = outgoing(req, url);
    const method = req.method ?? (body === undefined ? 'GET' : 'POST');
    const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    try {
      const res = await request(url, {
        dispatcher: agent,
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: ac.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const cap = req.maxResponseBytes ?? maxBytes;
      const declared = Number(res.headers['content-length']);
      if (declared > cap) {
        res.body.destroy();
        throw new HttpError('HTTP_RESPONSE_TOO_LARGE', `${host}: answer of ${declared} bytes exceeds ${cap}`);
      }
      return answer(res.statusCode, res.headers, await readCapped(res.body, cap, host));
    } catch (err) {
      throw toHttpError(err, host, ac.signal.aborted, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  return Object.freeze({ request: send, close: () => agent.close() });
}
