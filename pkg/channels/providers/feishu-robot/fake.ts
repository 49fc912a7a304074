import { randomBytes, randomUUID } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { signing } from '../../kit/signing.ts';
import { HOOK_PATH } from './config.ts';
import { MAX_BODY_BYTES } from './content.ts';
import { checkShape, keywordTexts, mentionsIn } from './fake-shapes.ts';
import { feishuSign, SIGN_WINDOW_S } from './sign.ts';

/**
 * A fake Feishu custom bot webhook for tests (never imported by production code). It checks what
 * Feishu checks (PROVIDERS.md §8, the custom-bot guide): the hook id, the ≤ 20 KB JSON body, the
 * IP allowlist, the signature and its one-hour window (timestamp a string of seconds, at the top
 * level), the bot's 5/s and 100/min frequency limit, `msg_type` and each type's shape (a card at
 * the top level as `card`), and the custom keywords (in text and titles, never in links). It
 * answers Feishu's `{ code, msg, data }` shapes: HTTP 200, except `9499` Bad Request with 400 ◐.
 */

/** A post the fake accepted (code 0). */
export type FakeFeishuPost = Readonly<{
  msgType: string;
  /** The request body as sent (signature fields included). */
  body: Readonly<Record<string, unknown>>;
  /** Who it @-mentions (`all` for everyone), in order of appearance. */
  mentions: readonly string[];
  at: number;
}>;

/** An answer to inject: a Feishu code (HTTP 200 unless `status`), a raw HTTP answer, or a dropped connection. */
export type FakeFeishuFailure =
  | Readonly<{ code: number; msg?: string; status?: number; headers?: Readonly<Record<string, string>> }>
  | Readonly<{ status: number; body?: string | object; headers?: Readonly<Record<string, string>> }>
  | Readonly<{ reset: true }>;

export type FeishuRobotFake = Readonly<{
  /** Point an account's `baseUrl` here. */
  baseUrl: string;
  hookId: string;
  /** The bot's signing secret; undefined when signature verification is off. */
  secret: string | undefined;
  /** Custom keywords (自定义关键词); empty = the setting is off. */
  keywords: Set<string>;
  /** IP allowlist; empty = off. The fake sees every caller as `clientIp`. */
  ipAllowlist: Set<string>;
  /** Accepted posts in order. */
  posts: FakeFeishuPost[];
  /** Every request received, in order. */
  requests: FakeRequest[];
  /** Posts that reached a hook path (whatever they came to). */
  readonly calls: number;
  /** How many calls were refused with `code`. */
  refused(code: number): number;
  /** The next `times` (default 1) posts that pass the hook, body and signature checks get `f`. */
  failNext(f: FakeFeishuFailure, times?: number): void;
  /** Holds every answer back by `ms` (0: none). */
  delay(ms: number): void;
  close(): Promise<void>;
}>;

/** Feishu's codes as the fake answers them. */
export const FAKE_CODES = Object.freeze({
  badHook: 19001,
  badParam: 19002,
  sign: 19021,
  ip: 19022,
  keywords: 19024,
  badRequest: 9499,
  frequency: 11232,
});

const MSGS: Record<number, string> = {
  [FAKE_CODES.badHook]: 'param invalid: incoming webhook access token invalid',
  [FAKE_CODES.badParam]: 'param invalid: msg_type',
  [FAKE_CODES.sign]: 'sign match fail or timestamp is not within one hour from current time',
  [FAKE_CODES.ip]: 'Ip Not Allowed',
  [FAKE_CODES.keywords]: 'Key Words Not Found',
  [FAKE_CODES.badRequest]: 'Bad Request',
  [FAKE_CODES.frequency]: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]',
};

const SUCCESS = { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' };

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startFeishuRobotFake({ keywords: ['告警'] });
 * // account config: { hookId: fake.hookId, secret: fake.secret, baseUrl: fake.baseUrl }
 * fake.failNext({ code: 11232 });            // the next post is throttled
 * fake.failNext({ status: 503, body: 'busy' });
 * await fake.close();
 */
export async function startFeishuRobotFake(
  opts: {
    hookId?: string;
    /** The signing secret; `null` turns signature verification off. Default: a random one. */
    secret?: string | null;
    keywords?: Iterable<string>;
    ipAllowlist?: Iterable<string>;
    clientIp?: string;
    perSecond?: number;
    perMinute?: number;
    now?: () => number;
  } = {},
): Promise<FeishuRobotFake> {
  const hookId = opts.hookId ?? randomUUID();
  const secret = opts.secret === null ? undefined : (opts.secret ?? randomBytes(16).toString('base64url'));
  const keywords = new Set(opts.keywords ?? []);
  const ipAllowlist = new Set(opts.ipAllowlist ?? []);
  const clientIp = opts.clientIp ?? '127.0.0.1';
  const [perSecond, perMinute] = [opts.perSecond ?? 5, opts.perMinute ?? 100];
  const now = opts.now ?? Date.now;
  const posts: FakeFeishuPost[] = [];
  const refusals = new Map<number, number>();
  const sentAt: number[] = [];
  let failures: { f: FakeFeishuFailure; left: number }[] = [];
  let calls = 0;
  let delayMs = 0;

  const refuse = (code: number, msg = MSGS[code] ?? 'error'): FakeReply => {
    refusals.set(code, (refusals.get(code) ?? 0) + 1);
    return { status: code === FAKE_CODES.badRequest ? 400 : 200, body: { code, msg, data: {} } };
  };

  const signError = (b: Record<string, unknown>): FakeReply | undefined => {
    if (!secret) return undefined;
    const { timestamp, sign } = b;
    if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp) || typeof sign !== 'string') {
      return refuse(FAKE_CODES.sign);
    }
    const off = Math.abs(now() / 1000 - Number(timestamp));
    if (off > SIGN_WINDOW_S || !signing.safeEqual(sign, feishuSign(timestamp, secret))) {
      return refuse(FAKE_CODES.sign);
    }
    return undefined;
  };

  const injected = (): FakeReply | undefined => {
    const hit = failures.find((x) => x.left > 0);
    if (!hit) return undefined;
    hit.left--;
    failures = failures.filter((x) => x.left > 0);
    const f = hit.f;
    if ('reset' in f) return { status: 200, reset: true };
    if ('code' in f) {
      refusals.set(f.code, (refusals.get(f.code) ?? 0) + 1);
      return {
        status: f.status ?? 200,
        body: { code: f.code, msg: f.msg ?? MSGS[f.code] ?? 'injected', data: {} },
        ...(f.headers ? { headers: f.headers } : {}),
      };
    }
    return { status: f.status, body: f.body ?? '', ...(f.headers ? { headers: f.headers } : {}) };
  };

  /** The bot's frequency limit over the fake's clock: sliding 1 s and 60 s windows. */
  const throttled = (): boolean => {
    const t = now();
    while (sentAt.length && sentAt[0]! <= t - 60_000) sentAt.shift();
    const lastSecond = sentAt.filter((x) => x > t - 1000).length;
    return lastSecond >= perSecond || sentAt.length >= perMinute;
  };

  const post = (req: FakeRequest): FakeReply => {
    if (req.path !== `${HOOK_PATH}${hookId}`) return refuse(FAKE_CODES.badHook);
    if (Buffer.byteLength(req.body, 'utf8') > MAX_BODY_BYTES) return refuse(FAKE_CODES.badRequest);
    const parsed = req.json();
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return refuse(FAKE_CODES.badRequest);
    const b = parsed as Record<string, unknown>;
    if (ipAllowlist.size && !ipAllowlist.has(clientIp)) return refuse(FAKE_CODES.ip);
    const bad = signError(b) ?? injected();
    if (bad) return bad;
    if (throttled()) return refuse(FAKE_CODES.frequency);
    const shape = checkShape(b);
    if (shape === 'msg_type') return refuse(FAKE_CODES.badParam);
    if (shape) return refuse(FAKE_CODES.badRequest, `Bad Request: ${shape}`);
    if (keywords.size) {
      const texts = keywordTexts(b);
      if (![...keywords].some((k) => texts.some((t) => t.includes(k)))) return refuse(FAKE_CODES.keywords);
    }
    sentAt.push(now());
    posts.push(
      Object.freeze({
        msgType: b.msg_type as string,
        body: b,
        mentions: Object.freeze(mentionsIn(b)),
        at: now(),
      }),
    );
    return { status: 200, body: SUCCESS };
  };

  const http = await startFakeHttp((req) => {
    if (!req.path.startsWith(HOOK_PATH)) return { status: 404, body: { code: 404, msg: 'page not found' } };
    if (req.method !== 'POST') return { status: 405, body: 'method not allowed' };
    calls++;
    const reply = post(req);
    return delayMs ? { ...reply, delayMs } : reply;
  });

  return Object.freeze({
    baseUrl: http.url,
    hookId,
    secret,
    keywords,
    ipAllowlist,
    posts,
    requests: http.requests,
    get calls() {
      return calls;
    },
    refused: (code: number) => refusals.get(code) ?? 0,
    failNext(f: FakeFeishuFailure, times = 1) {
      failures.push({ f, left: times });
    },
    delay(ms: number) {
      delayMs = ms;
    },
    close: () => http.close(),
  });
}
