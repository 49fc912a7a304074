import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { getuiSign } from './sign.ts';

/**
 * A fake GeTui REST API v2 for tests (never imported by production code). It checks what GeTui
 * checks (PROVIDERS.md §11): the auth sign (SHA-256 of appkey + timestamp + mastersecret) and a
 * timestamp near its clock, the `token` header of every push (expired on command: 10001), a
 * `request_id` of 10–32 characters never seen before (a repeated one is dropped, as GeTui's docs
 * say: the push answers nothing for it), notification fields and their limits, one cid per
 * single push, at most 1000 distinct cids per list push with a taskid it created, and cids it
 * knows (32 hex characters, not marked invalid). It answers `{ code, msg, data }` with GeTui's
 * codes and HTTP statuses (10001–10005 → 401, 20001 → 400) and per-cid statuses.
 * ❓ The `msg` texts of refusals follow the code page's patterns (`{param} is invalid` …).
 */

/** One device a push reached (`successed_online` / `successed_offline`). */
export type FakeGetuiPush = Readonly<{
  taskid: string;
  cid: string;
  status: string;
  kind: 'single' | 'list';
  notification: Readonly<Record<string, unknown>>;
  /** The message body as sent (request_id, push_message, push_channel …). */
  message: Readonly<Record<string, unknown>>;
  at: number;
}>;

/** A failure to inject: a GeTui code (HTTP status as GeTui pairs it), or a raw HTTP answer. */
export type FakeGetuiFailure =
  | Readonly<{ code: number; msg?: string }>
  | Readonly<{ status: number; body?: string; headers?: Readonly<Record<string, string>> }>;

/** The routes under `/v2/<appId>`; `push` in {@link GetuiFake.failNext} means any of the last three. */
export type GetuiPath = '/auth' | '/push/single/cid' | '/push/list/message' | '/push/list/cid';

export type GetuiFake = Readonly<{
  /** The app's BaseUrl at the fake (`http://127.0.0.1:<port>/v2/<appId>`): the account's `baseUrl`. */
  baseUrl: string;
  appId: string;
  appKey: string;
  masterSecret: string;
  /** Calls that reached a route (whatever they came to). */
  calls(path: GetuiPath): number;
  /** Push calls refused for their token (10001). */
  readonly tokenRefusals: number;
  /** Pushes whose request_id had been used before (dropped). */
  readonly duplicateRequestIds: number;
  requests: FakeRequest[];
  /** Devices reached, in order (one entry per cid per call). */
  pushes: FakeGetuiPush[];
  pushedTo(cid: string): number;
  /** Cids GeTui does not know for this app (refused: `target user is invalid`). */
  invalidCids: Set<string>;
  /** The status a cid gets (default `successed_online`; `successed_ignore` = not sent). */
  cidStatus: Map<string, string>;
  /** Expires every token issued so far: the next push with one answers 10001. */
  expireTokens(): void;
  /** The next `times` (default 1) calls of `path` (default: any push route) fail with `f`. */
  failNext(f: FakeGetuiFailure, opts?: { times?: number; path?: GetuiPath | 'push' }): void;
  /** Holds every answer back by `ms` (0: none). */
  delay(ms: number): void;
  close(): Promise<void>;
}>;

/** The codes the fake answers (GeTui's, …/rest_v2/code). */
export const GETUI_CODES = Object.freeze({
  failed: 1,
  tokenInvalid: 10001,
  authTooOften: 10003,
  callsTooOften: 10005,
  param: 20001,
});
const MAX_LIST = 1000;
const CID = /^[0-9a-f]{32}$/;
const CLICK_TYPES = new Set(['intent', 'url', 'payload', 'payload_custom', 'startapp', 'none']);
const LIMITS: Readonly<Record<string, number>> = {
  title: 50,
  body: 256,
  url: 1024,
  intent: 4096,
  payload: 3072,
};
const DAY_MS = 86_400_000;

const statusOf = (code: number): number =>
  code >= 10001 && code <= 10005
    ? 401
    : code === 20001
      ? 400
      : code >= 30000
        ? 403
        : code === 404 || code === 405
          ? code
          : 200;
const err = (code: number, msg: string): FakeReply => ({ status: statusOf(code), body: { code, msg } });
const ok = (data: unknown): FakeReply => ({ status: 200, body: { code: 0, msg: 'success', data } });
const param = (msg: string) => err(GETUI_CODES.param, msg);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const chars = (s: string): number => [...s].length;
const mmdd = (ms: number): string => new Date(ms).toISOString().slice(5, 10).replace('-', '');

/** What GeTui refuses in a push body's message part (request_id, push_message, settings). */
function messageError(b: Record<string, unknown>): FakeReply | undefined {
  const id = b.request_id;
  if (typeof id !== 'string' || id.length < 10 || id.length > 32) return param('request_id is invalid');
  const m = b.push_message;
  if (!isObject(m)) return param('push_message can not be empty');
  const kinds = ['notification', 'transmission', 'revoke'].filter((k) => m[k] !== undefined);
  if (kinds.length !== 1) return param('please choose one of notification and transmission and revoke');
  const settings = b.settings;
  if (settings !== undefined) {
    const ttl = isObject(settings) ? settings.ttl : undefined;
    if (ttl !== undefined && (typeof ttl !== 'number' || ttl < -1 || ttl > 3 * DAY_MS)) {
      return param('settings.ttl is invalid');
    }
  }
  if (b.push_channel !== undefined && !isObject(b.push_channel)) return param('push_channel type error');
  const n = m.notification;
  if (n === undefined) return undefined;
  if (!isObject(n)) return param('notification type error');
  for (const f of ['title', 'body', 'click_type']) {
    if (typeof n[f] !== 'string' || n[f] === '') return param(`notification.${f} can not be empty`);
  }
  for (const [f, max] of Object.entries(LIMITS)) {
    if (n[f] !== undefined && (typeof n[f] !== 'string' || chars(n[f] as string) > max)) {
      return param(`notification.${f} size over limit`);
    }
  }
  const click = n.click_type as string;
  if (!CLICK_TYPES.has(click)) return param('notification.click_type is invalid');
  if ((click === 'url' || click === 'intent' || click === 'payload') && !n[click]) {
    return param(`notification.${click} can not be empty`);
  }
  return undefined;
}

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startGetuiFake({ invalidCids: ['0'.repeat(32)] });
 * // account config: { appId: fake.appId, appKey: fake.appKey, masterSecret: fake.masterSecret, baseUrl: fake.baseUrl }
 * fake.failNext({ code: 10005 });  // the next push call: per-minute quota exceeded
 * fake.expireTokens();             // every token issued so far now answers 10001
 * await fake.close();
 */
export async function startGetuiFake(
  opts: {
    appId?: string;
    appKey?: string;
    masterSecret?: string;
    invalidCids?: Iterable<string>;
    tokenTtlMs?: number;
    /** How far the auth timestamp may be from the fake's clock (❓ GeTui: "误差太大可能出错"). */
    timestampWindowMs?: number;
    /** Auth calls allowed per minute (GeTui: 100). */
    authPerMinute?: number;
    now?: () => number;
  } = {},
): Promise<GetuiFake> {
  const appId = opts.appId ?? randomBytes(11).toString('base64url').replace(/[-_]/g, 'x');
  const appKey = opts.appKey ?? randomBytes(11).toString('base64url').replace(/[-_]/g, 'k');
  const masterSecret = opts.masterSecret ?? randomBytes(16).toString('base64url');
  const ttlMs = opts.tokenTtlMs ?? DAY_MS;
  const windowMs = opts.timestampWindowMs ?? 10 * 60_000;
  const authPerMinute = opts.authPerMinute ?? 100;
  const now = opts.now ?? Date.now;
  const tokens = new Map<string, number>(); // token → expires at
  const tasks = new Map<string, Record<string, unknown>>(); // list taskid → message body
  const requestIds = new Set<string>();
  const authTimes: number[] = [];
  const calls = new Map<string, number>();
  const pushes: FakeGetuiPush[] = [];
  const invalidCids = new Set(opts.invalidCids ?? []);
  const cidStatus = new Map<string, string>();
  let failures: { f: FakeGetuiFailure; left: number; path: GetuiPath | 'push' }[] = [];
  let tokenRefusals = 0;
  let duplicates = 0;
  let delayMs = 0;

  const known = (cid: unknown): cid is string =>
    typeof cid === 'string' && CID.test(cid) && !invalidCids.has(cid);
  const taskid = (kind: 'S' | 'L') => `RAS${kind}_${mmdd(now())}_${randomBytes(16).toString('hex')}`;

  const auth = (b: Record<string, unknown>): FakeReply => {
    const t = now();
    while (authTimes.length > 0 && authTimes[0]! <= t - 60_000) authTimes.shift();
    if (authTimes.length >= authPerMinute) return err(GETUI_CODES.authTooOften, 'auth too frequently');
    authTimes.push(t);
    if (b.appkey !== appKey) return param('appkey is invalid');
    const ts = typeof b.timestamp === 'number' ? String(b.timestamp) : b.timestamp;
    if (typeof ts !== 'string' || !/^\d{13}$/.test(ts)) return param('timestamp is invalid');
    if (Math.abs(t - Number(ts)) > windowMs) return param('timestamp is expired');
    const expected = Buffer.from(getuiSign(appKey, ts, masterSecret));
    const got = Buffer.from(typeof b.sign === 'string' ? b.sign : '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return param('sign is invalid');
    const token = randomBytes(16).toString('hex');
    tokens.set(token, t + ttlMs);
    return ok({ expire_time: String(t + ttlMs), token });
  };

  const tokenError = (req: FakeRequest): FakeReply | undefined => {
    const exp = tokens.get(req.headers.token ?? '');
    if (exp !== undefined && exp > now()) return undefined;
    tokenRefusals++;
    return err(GETUI_CODES.tokenInvalid, exp === undefined ? 'token is invalid' : 'token is expired');
  };

  /** A request_id seen before: GeTui drops the push ("会导致消息丢失"), answering no results. */
  const duplicate = (b: Record<string, unknown>): boolean => {
    const id = b.request_id as string;
    if (!requestIds.has(id)) {
      requestIds.add(id);
      return false;
    }
    duplicates++;
    return true;
  };

  const record = (
    kind: 'single' | 'list',
    task: string,
    cid: string,
    status: string,
    message: Record<string, unknown>,
  ) => {
    if (!status.startsWith('successed') || status === 'successed_ignore') return;
    const notification = isObject(message.push_message) ? message.push_message.notification : undefined;
    pushes.push(
      Object.freeze({
        taskid: task,
        cid,
        status,
        kind,
        notification: isObject(notification) ? notification : {},
        message,
        at: now(),
      }),
    );
  };

  const single = (b: Record<string, unknown>): FakeReply => {
    const bad = messageError(b);
    if (bad) return bad;
    const cids = isObject(b.audience) ? b.audience.cid : undefined;
    if (!Array.isArray(cids) || cids.length === 0) return param('audience.cid can not be empty');
    if (cids.length > 1) return param('audience.cid size over limit');
    if (!known(cids[0])) return param('target user is invalid');
    if (duplicate(b)) return ok({});
    const cid = cids[0];
    const task = taskid('S');
    const status = cidStatus.get(cid) ?? 'successed_online';
    record('single', task, cid, status, b);
    return ok({ [task]: { [cid]: status } });
  };

  const listMessage = (b: Record<string, unknown>): FakeReply => {
    const bad = messageError(b);
    if (bad) return bad;
    if (duplicate(b)) return ok({});
    const task = taskid('L');
    tasks.set(task, b);
    return ok({ taskid: task });
  };

  const listCid = (b: Record<string, unknown>): FakeReply => {
    const message = typeof b.taskid === 'string' ? tasks.get(b.taskid) : undefined;
    if (!message) return param('taskid is invalid');
    const cids = isObject(b.audience) ? b.audience.cid : undefined;
    if (!Array.isArray(cids) || cids.length === 0) return param('audience.cid can not be empty');
    if (cids.length > MAX_LIST) return param('audience.cid size over limit');
    if (new Set(cids).size !== cids.length) return param('contains duplicate cid');
    const valid = cids.filter(known);
    if (valid.length === 0) return param('target user is invalid');
    const results: Record<string, string> = {};
    for (const cid of valid) {
      results[cid] = cidStatus.get(cid) ?? 'successed_online';
      record('list', b.taskid as string, cid, results[cid], message);
    }
    return b.is_async === true ? ok({}) : ok({ [b.taskid as string]: results });
  };

  const injected = (path: GetuiPath): FakeReply | undefined => {
    const hit = failures.find(
      (x) => x.left > 0 && (x.path === path || (x.path === 'push' && path !== '/auth')),
    );
    if (!hit) return undefined;
    hit.left--;
    if ('code' in hit.f) return err(hit.f.code, hit.f.msg ?? `injected ${hit.f.code}`);
    return {
      status: hit.f.status,
      body: hit.f.body ?? 'injected failure',
      ...(hit.f.headers ? { headers: hit.f.headers } : {}),
    };
  };

  const ROUTES: Readonly<Record<GetuiPath, (b: Record<string, unknown>) => FakeReply>> = {
    '/auth': auth,
    '/push/single/cid': single,
    '/push/list/message': listMessage,
    '/push/list/cid': listCid,
  };

  const answer = (req: FakeRequest): FakeReply => {
    const prefix = `/v2/${appId}`;
    if (!req.path.startsWith(`${prefix}/`)) return param('appId is invalid');
    const path = req.path.slice(prefix.length) as GetuiPath;
    const route = ROUTES[path];
    if (!route) return err(404, 'url error');
    calls.set(path, (calls.get(path) ?? 0) + 1);
    if (req.method !== 'POST') return err(405, 'method not allowed');
    if (path !== '/auth') {
      const refused = tokenError(req);
      if (refused) return refused;
    }
    const injectedReply = injected(path);
    if (injectedReply) return injectedReply;
    const b = req.json();
    if (!isObject(b)) return err(GETUI_CODES.failed, 'failed: the body is not json');
    return route(b);
  };

  const http = await startFakeHttp((req) => {
    const reply = answer(req);
    return delayMs > 0 ? { ...reply, delayMs } : reply;
  });

  return Object.freeze({
    baseUrl: `${http.url}/v2/${appId}`,
    appId,
    appKey,
    masterSecret,
    calls: (path: GetuiPath) => calls.get(path) ?? 0,
    get tokenRefusals() {
      return tokenRefusals;
    },
    get duplicateRequestIds() {
      return duplicates;
    },
    requests: http.requests,
    pushes,
    pushedTo: (cid: string) => pushes.filter((p) => p.cid === cid).length,
    invalidCids,
    cidStatus,
    expireTokens() {
      const t = now();
      for (const k of tokens.keys()) tokens.set(k, t);
    },
    failNext(f: FakeGetuiFailure, o: { times?: number; path?: GetuiPath | 'push' } = {}) {
      failures = [...failures.filter((x) => x.left > 0), { f, left: o.times ?? 1, path: o.path ?? 'push' }];
    },
    delay(ms: number) {
      delayMs = ms;
    },
    close: () => http.close(),
  });
}
