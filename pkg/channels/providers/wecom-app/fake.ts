import { randomBytes } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';

/**
 * A fake WeCom API for tests (never imported by production code): checks what WeCom checks for
 * app messages (PROVIDERS.md §7, §14) and answers as WeCom does, HTTP 200 with
 * `{ errcode, errmsg, … }`. Tokens come only from gettoken for the right corpid/corpsecret;
 * within its life the same token is handed out again, as WeCom does.
 */

/** A message WeCom accepted (errcode 0), with the receivers it was sent to. */
export type FakeWecomMessage = Readonly<{
  msgid: string;
  touser: readonly string[];
  msgtype: string;
  /** The request body as sent. */
  body: Readonly<Record<string, unknown>>;
  at: number;
}>;

export type WecomAppFake = Readonly<{
  /** Point an account's `baseUrl` here. */
  baseUrl: string;
  corpId: string;
  corpSecret: string;
  agentId: number;
  /** gettoken calls that reached the fake (whatever they came to). */
  readonly tokenCalls: number;
  /** Calls refused for their token (41001, 40014, 42001). */
  readonly tokenRefusals: number;
  /** Accepted messages in arrival order. */
  messages: FakeWecomMessage[];
  /** Msgids recalled so far. */
  recalled: string[];
  /** Every request answered (for asserting what was sent, e.g. duplicate checks off). */
  requests: FakeRequest[];
  /** Userids WeCom does not know (listed in `invaliduser`; all of them → 81013). */
  invalidUsers: Set<string>;
  /** Expires every token issued so far: the next call with one answers 42001. */
  expireTokens(): void;
  /** The next `n` message/send calls answer `errcode` (e.g. -1 "system busy"). */
  failSends(errcode: number, n?: number): void;
  close(): Promise<void>;
}>;

/** errcodes of the fake (real WeCom codes where §7.4 and the global table give one). */
export const FAKE_CODES = Object.freeze({
  invalidSecret: 40001,
  invalidCorpId: 40013,
  invalidToken: 40014,
  tokenMissing: 41001,
  tokenExpired: 42001,
  invalidUserList: 40031,
  badMsgtype: 40008,
  badAgentId: 40056,
  badJson: 47001,
  allInvalid: 81013,
  // ❓ The recall refusal codes are not in PROVIDERS.md (§15 lists the recall window as open);
  // 40058 is WeCom's generic "invalid parameter".
  recallRefused: 40058,
});

const TOKEN_ERRMSG: Record<number, string> = {
  [FAKE_CODES.tokenMissing]: 'access_token missing',
  [FAKE_CODES.tokenExpired]: 'access_token expired',
};

const MSGTYPES = new Set([
  'text',
  'markdown',
  'textcard',
  'news',
  'template_card',
  'image',
  'file',
  'mpnews',
]);
const MAX_TOUSER = 1000;

const err = (errcode: number, errmsg: string): FakeReply => ({ status: 200, body: { errcode, errmsg } });

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startWecomAppFake({ invalidUsers: ['ghost'] });
 * // account config: { corpId: fake.corpId, corpSecret: fake.corpSecret, agentId: fake.agentId, baseUrl: fake.baseUrl }
 * fake.expireTokens(); // every token issued so far now answers 42001
 * await fake.close();
 */
export async function startWecomAppFake(
  opts: {
    corpId?: string;
    corpSecret?: string;
    agentId?: number;
    invalidUsers?: Iterable<string>;
    tokenTtlS?: number;
    /** How long a message can be recalled (WeCom: 24 h ❓). */
    recallWindowMs?: number;
    /** Latency of every message/send answer (keeps sends in flight for tests that need it). */
    sendDelayMs?: number;
    now?: () => number;
  } = {},
): Promise<WecomAppFake> {
  const corpId = opts.corpId ?? `ww${randomBytes(8).toString('hex')}`;
  const corpSecret = opts.corpSecret ?? randomBytes(21).toString('base64url');
  const agentId = opts.agentId ?? 1000002;
  const ttlS = opts.tokenTtlS ?? 7200;
  const recallWindowMs = opts.recallWindowMs ?? 24 * 3600_000;
  const now = opts.now ?? Date.now;
  const tokens = new Map<string, number>(); // token → expires at (ms)
  let current: string | undefined;
  let tokenCalls = 0;
  let tokenRefusals = 0;
  let failing = { errcode: 0, left: 0 };
  const messages: FakeWecomMessage[] = [];
  const recalled: string[] = [];
  const invalidUsers = new Set(opts.invalidUsers ?? []);

  /** The token check every API call makes; undefined when the token is good. */
  const tokenError = (q: Readonly<Record<string, string>>): FakeReply | undefined => {
    const t = q.access_token;
    const exp = t ? tokens.get(t) : undefined;
    const code = !t
      ? FAKE_CODES.tokenMissing
      : exp === undefined
        ? FAKE_CODES.invalidToken
        : exp <= now()
          ? FAKE_CODES.tokenExpired
          : 0;
    if (code === 0) return undefined;
    tokenRefusals++;
    return err(code, TOKEN_ERRMSG[code] ?? 'invalid access_token');
  };

  const gettoken = (q: Readonly<Record<string, string>>): FakeReply => {
    tokenCalls++;
    if (q.corpid !== corpId) return err(FAKE_CODES.invalidCorpId, 'invalid corpid');
    if (q.corpsecret !== corpSecret) return err(FAKE_CODES.invalidSecret, 'invalid credential');
    if (!current || (tokens.get(current) ?? 0) <= now()) {
      current = randomBytes(32).toString('base64url');
      tokens.set(current, now() + ttlS * 1000);
    }
    const expiresIn = Math.max(1, Math.round(((tokens.get(current) ?? 0) - now()) / 1000));
    return { status: 200, body: { errcode: 0, errmsg: 'ok', access_token: current, expires_in: expiresIn } };
  };

  const send = (req: FakeRequest): FakeReply => {
    const body = req.json() as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return err(FAKE_CODES.badJson, 'Warning: wrong json format');
    if (failing.left > 0) {
      failing.left--;
      return err(failing.errcode, 'injected failure');
    }
    if (Number(body.agentid) !== agentId) return err(FAKE_CODES.badAgentId, 'invalid agentid');
    const msgtype = String(body.msgtype ?? '');
    if (!MSGTYPES.has(msgtype) || typeof body[msgtype] !== 'object') {
      return err(FAKE_CODES.badMsgtype, 'invalid message type');
    }
    const touser = typeof body.touser === 'string' && body.touser ? body.touser.split('|') : [];
    if (touser.length === 0) return err(FAKE_CODES.invalidUserList, 'empty touser');
    if (touser.length > MAX_TOUSER) return err(FAKE_CODES.invalidUserList, 'touser exceeds 1000 users');
    const bad = touser.filter((u) => u !== '@all' && invalidUsers.has(u));
    if (bad.length === touser.length) {
      return {
        status: 200,
        body: { errcode: FAKE_CODES.allInvalid, errmsg: 'all invalid', invaliduser: bad.join('|') },
      };
    }
    const msgid = randomBytes(16).toString('base64url');
    messages.push(Object.freeze({ msgid, touser: Object.freeze(touser), msgtype, body, at: now() }));
    return { status: 200, body: { errcode: 0, errmsg: 'ok', invaliduser: bad.join('|'), msgid } };
  };

  const recall = (req: FakeRequest): FakeReply => {
    const msgid = (req.json() as { msgid?: unknown } | undefined)?.msgid;
    const m = messages.find((x) => x.msgid === msgid);
    if (!m || recalled.includes(m.msgid)) return err(FAKE_CODES.recallRefused, 'invalid msgid');
    if (now() - m.at > recallWindowMs) return err(FAKE_CODES.recallRefused, 'recall window passed');
    recalled.push(m.msgid);
    return err(0, 'ok');
  };

  const http = await startFakeHttp((req) => {
    if (req.method === 'GET' && req.path === '/cgi-bin/gettoken') return gettoken(req.query);
    if (req.method !== 'POST') return { status: 404, body: 'not found' };
    const bad = tokenError(req.query);
    if (req.path === '/cgi-bin/message/send') {
      const reply = bad ?? send(req);
      return opts.sendDelayMs ? { ...reply, delayMs: opts.sendDelayMs } : reply;
    }
    if (req.path === '/cgi-bin/message/recall') return bad ?? recall(req);
    return { status: 404, body: 'not found' };
  });

  return Object.freeze({
    baseUrl: http.url,
    corpId,
    corpSecret,
    agentId,
    get tokenCalls() {
      return tokenCalls;
    },
    get tokenRefusals() {
      return tokenRefusals;
    },
    messages,
    recalled,
    requests: http.requests,
    invalidUsers,
    expireTokens() {
      const t = now();
      for (const k of tokens.keys()) tokens.set(k, t);
    },
    failSends(errcode: number, n = 1) {
      failing = { errcode, left: n };
    },
    close: () => http.close(),
  });
}
