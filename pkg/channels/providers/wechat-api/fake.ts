import { randomBytes } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { STABLE_TOKEN_PATH } from './api.ts';
import { wechatError } from './fake-replies.ts';

export {
  fakeOpenId,
  fakeTemplateId,
  newMsgid,
  OPENID_SHAPE,
  sentReply,
  wechatError,
} from './fake-replies.ts';

/**
 * Test-only: the base of the WeChat fakes (never imported by production code). It is the token
 * side of api.weixin.qq.com as PROVIDERS.md §9.1 describes it — `POST /cgi-bin/stable_token`
 * checks grant_type, AppID and AppSecret; in normal mode it hands out the same token while it
 * has more than 5 minutes left, then a new one (the old one stays valid until its own expiry);
 * `force_refresh` invalidates every earlier token — and every API call's token check (missing
 * 41001, malformed 40014, unknown or invalidated 40001, expired 42001). Each provider's fake adds
 * its send route. Answers are HTTP 200 with `{ errcode, errmsg }`, errmsg ending in a `rid`.
 */

/** A failure to inject: a WeChat errcode, a raw HTTP status, or a dropped connection. */
export type FakeFailure =
  | Readonly<{ errcode: number; errmsg?: string }>
  | Readonly<{ status: number; body?: string }>
  | Readonly<{ reset: true }>;

/** A send route: gets a request whose token passed and whose body is a JSON object. */
export type WechatFakeRoute = (req: FakeRequest, body: Readonly<Record<string, unknown>>) => FakeReply;

export type WechatFakeOptions = Readonly<{
  appId?: string;
  appSecret?: string;
  /** Life of a token in seconds (WeChat: 7200). */
  tokenTtlS?: number;
  now?: () => number;
}>;

export type WechatFake = Readonly<{
  /** Point an account's `baseUrl` here. */
  baseUrl: string;
  appId: string;
  appSecret: string;
  /** stable_token calls that reached the fake (whatever they came to). */
  readonly tokenCalls: number;
  /** stable_token calls with `force_refresh: true`. */
  readonly forceRefreshes: number;
  /** API calls refused for their token (41001, 40014, 40001, 42001). */
  readonly tokenRefusals: number;
  /** Requests that reached `path` (whatever they came to). */
  calls(path: string): number;
  /** Every request received, in order. */
  requests: FakeRequest[];
  /** Expires every token issued so far: calls with one answer 42001, stable_token issues a new one. */
  expireTokens(): void;
  /** Invalidates every token issued so far (as a force refresh elsewhere does): calls answer 40001. */
  invalidateTokens(): void;
  /**
   * The next `times` (default 1) calls of `path` (default: every send route) fail with `f`,
   * after the token check (stable_token: before its checks).
   */
  failNext(f: FakeFailure, opts?: { times?: number; path?: string }): void;
  /** Every call of `path` (default: every send route) fails with `f` until {@link recover}. */
  failAlways(f: FakeFailure, path?: string): void;
  recover(): void;
  /** Holds every answer back by `ms` (0: none). */
  delay(ms: number): void;
  close(): Promise<void>;
}>;

const TOKEN_SHAPE = /^\d+_[A-Za-z0-9_-]{120,}$/;
const RENEW_BEFORE_MS = 5 * 60_000;

const replyOf = (f: FakeFailure): FakeReply =>
  'reset' in f
    ? { status: 200, reset: true }
    : 'errcode' in f
      ? wechatError(f.errcode, f.errmsg ?? `injected errcode ${f.errcode}`)
      : { status: f.status, body: f.body ?? `HTTP ${f.status}` };

/**
 * Starts a WeChat fake on a local port serving `routes` (path → handler) beside stable_token.
 *
 * @example
 * const fake = await startWechatFake({}, { '/cgi-bin/message/template/send': (req, body) => sentReply(newMsgid()) });
 * // account config: { appId: fake.appId, appSecret: fake.appSecret, baseUrl: fake.baseUrl }
 * fake.expireTokens();            // the next call with an issued token answers 42001
 * fake.failNext({ errcode: -1 }); // the next send answers "system busy"
 * await fake.close();
 */
export async function startWechatFake(
  opts: WechatFakeOptions,
  routes: Readonly<Record<string, WechatFakeRoute>>,
): Promise<WechatFake> {
  const appId = opts.appId ?? `wx${randomBytes(8).toString('hex')}`;
  const appSecret = opts.appSecret ?? randomBytes(16).toString('hex');
  const ttlMs = (opts.tokenTtlS ?? 7200) * 1000;
  const now = opts.now ?? Date.now;
  const tokens = new Map<string, { exp: number; valid: boolean }>();
  let current: string | undefined;
  let serial = 80;
  let tokenCalls = 0;
  let forceRefreshes = 0;
  let tokenRefusals = 0;
  let delayMs = 0;
  const calls = new Map<string, number>();
  const once: { f: FakeFailure; left: number; path: string | undefined }[] = [];
  const always = new Map<string | undefined, FakeFailure>();

  const injected = (path: string): FakeReply | undefined => {
    const applies = (p: string | undefined) => (p === undefined ? path !== STABLE_TOKEN_PATH : p === path);
    const a = always.get(path) ?? (path !== STABLE_TOKEN_PATH ? always.get(undefined) : undefined);
    if (a) return replyOf(a);
    const i = once.findIndex((x) => x.left > 0 && applies(x.path));
    if (i < 0) return undefined;
    const entry = once[i]!;
    entry.left--;
    if (entry.left === 0) once.splice(i, 1);
    return replyOf(entry.f);
  };

  const issue = (): string => {
    current = `${++serial}_${randomBytes(96).toString('base64url')}`;
    tokens.set(current, { exp: now() + ttlMs, valid: true });
    return current;
  };

  const stableToken = (req: FakeRequest): FakeReply => {
    tokenCalls++;
    if (req.method !== 'POST') return wechatError(43002, 'require POST method');
    const bad = injected(STABLE_TOKEN_PATH);
    if (bad) return bad;
    const b = req.json() as Record<string, unknown> | undefined;
    if (!b || typeof b !== 'object' || Array.isArray(b)) return wechatError(47001, 'data format error');
    if (b.grant_type !== 'client_credential') return wechatError(40002, 'invalid grant_type');
    if (!b.appid) return wechatError(41002, 'appid missing');
    if (b.appid !== appId) return wechatError(40013, 'invalid appid');
    if (!b.secret) return wechatError(41004, 'appsecret missing');
    if (b.secret !== appSecret) return wechatError(40125, 'invalid appsecret');
    if (b.force_refresh === true) {
      forceRefreshes++;
      for (const t of tokens.values()) t.valid = false;
      issue();
    }
    const t = current ? tokens.get(current) : undefined;
    const token = t?.valid && t.exp - now() > RENEW_BEFORE_MS ? current! : issue();
    const expiresIn = Math.max(1, Math.floor((tokens.get(token)!.exp - now()) / 1000));
    return { status: 200, body: { access_token: token, expires_in: expiresIn } };
  };

  /** The token check of every API call; undefined when the token is good. */
  const tokenError = (token: string | undefined): FakeReply | undefined => {
    const t = token ? tokens.get(token) : undefined;
    const refusal = !token
      ? wechatError(41001, 'access_token missing')
      : !TOKEN_SHAPE.test(token)
        ? wechatError(40014, 'invalid access_token')
        : !t?.valid
          ? wechatError(
              40001,
              'invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken',
            )
          : t.exp <= now()
            ? wechatError(42001, 'access_token expired')
            : undefined;
    if (refusal) tokenRefusals++;
    return refusal;
  };

  const answer = (req: FakeRequest): FakeReply => {
    if (req.path === STABLE_TOKEN_PATH) return stableToken(req);
    const route = routes[req.path];
    if (!route) return { status: 404, body: 'not found' };
    if (req.method !== 'POST') return wechatError(43002, 'require POST method');
    const refused = tokenError(req.query.access_token);
    if (refused) return refused;
    const bad = injected(req.path);
    if (bad) return bad;
    const body = req.json();
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return wechatError(47001, 'data format error');
    return route(req, body as Record<string, unknown>);
  };

  const http = await startFakeHttp((req) => {
    calls.set(req.path, (calls.get(req.path) ?? 0) + 1);
    const reply = answer(req);
    return delayMs > 0 ? { ...reply, delayMs } : reply;
  });

  return Object.freeze({
    baseUrl: http.url,
    appId,
    appSecret,
    get tokenCalls() {
      return tokenCalls;
    },
    get forceRefreshes() {
      return forceRefreshes;
    },
    get tokenRefusals() {
      return tokenRefusals;
    },
    calls: (path: string) => calls.get(path) ?? 0,
    requests: http.requests,
    expireTokens() {
      const t = now();
      for (const v of tokens.values()) v.exp = Math.min(v.exp, t);
    },
    invalidateTokens() {
      for (const v of tokens.values()) v.valid = false;
    },
    failNext(f: FakeFailure, o: { times?: number; path?: string } = {}) {
      once.push({ f, left: o.times ?? 1, path: o.path });
    },
    failAlways(f: FakeFailure, path?: string) {
      always.set(path, f);
    },
    recover() {
      once.length = 0;
      always.clear();
    },
    delay(ms: number) {
      delayMs = ms;
    },
    close: () => http.close(),
  });
}

/**
 * A provider fake: `base` with `extra` fields, its getters (counters) kept live.
 *
 * @example const fake = extendFake(base, { messages }); fake.tokenCalls // read at each access
 */
export function extendFake<T extends object>(base: WechatFake, extra: T): WechatFake & Readonly<T> {
  return Object.freeze(
    Object.defineProperties(
      {},
      { ...Object.getOwnPropertyDescriptors(base), ...Object.getOwnPropertyDescriptors(extra) },
    ),
  ) as WechatFake & Readonly<T>;
}
