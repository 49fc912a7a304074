import type { RedisClient as Redis } from '../../redis/client.ts';
import type { Keys } from '../../redis/keys.ts';

/**
 * The kit every provider gets, injected into `create(config, kit, account)`: HTTP, access
 * tokens, signing, breaker-free clock. Providers never build their own HTTP agents, token stores
 * or timers, so timeouts, size caps, SSRF rules and token sharing are the same everywhere and
 * tests can swap the clock.
 */

/** One HTTP request. `body` is sent as given (a string/Buffer) or as JSON (`json`). */
export type HttpRequest = Readonly<{
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Buffer;
  /** Sent as `application/json` unless a content-type header is given. */
  json?: unknown;
  /** Overall response timeout for this call (default: the client's). */
  timeoutMs?: number;
  /** Answer size cap for this call (default: the client's), e.g. a file download. */
  maxResponseBytes?: number;
}>;

/** An HTTP answer with its body read (capped at the client's `maxResponseBytes`). */
export type HttpResponse = Readonly<{
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** The body's bytes as received (binary answers: files, images). */
  bytes: Buffer;
  /** The body parsed as JSON, `undefined` when it is not JSON. */
  json(): unknown;
}>;

/**
 * Transport-level failure of a call (no HTTP answer): `code` is one of `HTTP_TIMEOUT` (sent, no
 * answer in time: in doubt), `HTTP_CONNECT` (refused, DNS, connect timeout: nothing was sent),
 * `HTTP_RESET` (the connection broke under the request: in doubt), `HTTP_RESPONSE_TOO_LARGE`, `HTTP_BLOCKED_ADDRESS`
 * (refused by the SSRF guard; permanent), `HTTP_ERROR`. Only `HTTP_BLOCKED_ADDRESS` is permanent.
 */
export class HttpError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable = code !== 'HTTP_BLOCKED_ADDRESS') {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.retryable = retryable;
  }
}

/**
 * A keep-alive HTTP client (undici). Redirects are never followed (a 3xx is returned as is).
 * Throws {@link HttpError} when no answer arrived; any HTTP status is an answer.
 */
export type HttpClient = Readonly<{
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}>;

/** A token as the provider's token endpoint gave it, and how long it lives. */
export type FetchedToken = Readonly<{ token: string; expiresInMs: number }>;

/**
 * Access tokens shared by all handler processes (stored in Redis): one refresh at a time across
 * the fleet (single flight), refreshed early before expiry, and a stale token replaced at most
 * once however many callers saw it fail.
 */
export type TokenCache = Readonly<{
  /** The current token of `name` (e.g. `corp:agent`), fetched with `fetch` when absent or near expiry. */
  get(name: string, fetch: () => Promise<FetchedToken>): Promise<string>;
  /**
   * Replaces `stale` (a token the provider just refused as expired): when another caller already
   * replaced it, that newer token is returned without a fetch.
   */
  refresh(name: string, stale: string, fetch: () => Promise<FetchedToken>): Promise<string>;
  /**
   * Runs `call` with the token; when it answers `tokenExpired`, refreshes once and runs it once
   * more. The usual way a provider uses tokens.
   */
  withToken<T extends { ok: boolean; tokenExpired?: boolean }>(
    name: string,
    fetch: () => Promise<FetchedToken>,
    call: (token: string) => Promise<T>,
  ): Promise<T>;
}>;

/** Signing helpers on node:crypto (every provider's signature builds on these). */
export type Signing = Readonly<{
  hmac(alg: 'sha1' | 'sha256', key: string | Buffer, data: string | Buffer): Buffer;
  hash(alg: 'sha1' | 'sha256' | 'md5', data: string | Buffer): Buffer;
  /** A signed JWT (RS256 with an RSA PEM key, ES256 with an EC PEM key). */
  jwt(opts: {
    alg: 'RS256' | 'ES256';
    key: string;
    header?: Record<string, unknown>;
    claims: Record<string, unknown>;
  }): string;
  /** Constant-time string equality. */
  safeEqual(a: string, b: string): boolean;
}>;

/**
 * The kit handed to a provider's `create`. `redis`/`keys` are for providers whose "provider" is
 * Redis itself (the sandbox inbox); HTTP providers never need them.
 */
export type Kit = Readonly<{
  /** Keep-alive client for the provider's own API hosts (fixed, operator-configured URLs). */
  http: HttpClient;
  /**
   * The same, with the SSRF guard on: for URLs callers choose (webhook receivers). Loopback,
   * private, link-local and metadata addresses are refused after DNS resolution.
   */
  publicHttp: HttpClient;
  redis: Redis;
  keys: Keys;
  tokens: TokenCache;
  signing: Signing;
  /** Milliseconds since the epoch (a fake clock in tests). */
  now(): number;
}>;
