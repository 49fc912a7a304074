import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { type AnswerStyle, answer, checkGateway, type FakeNode, GATEWAY_MSG } from './fake-gateway.ts';
import { sendRefusal, type TemplateRules } from './fake-send.ts';

/**
 * A fake Alipay OpenAPI gateway for tests (never imported by production code): the gateway checks
 * of fake-gateway.ts (app id, common parameters, timestamp window, the RSA2 request signature with
 * the app's public key), then `alipay.open.app.mini.templatemessage.send` as Alipay checks it
 * (fake-send.ts: receiver id, template, keywords one-to-one, value lengths, page length, the
 * user's subscription) and the read-only template `batchquery`. Every answer is signed with the
 * fake's own Alipay key pair; the test gives the client `alipayPublicKey`.
 */

export const SEND = 'alipay.open.app.mini.templatemessage.send';
export const BATCHQUERY = 'alipay.open.mini.message.template.batchquery';

/** A message Alipay accepted. */
export type FakeAlipayMessage = Readonly<{
  receiver: string;
  kind: 'user_id' | 'open_id';
  templateId: string;
  page?: string;
  /** keyword → value, as sent. */
  data: Readonly<Record<string, string>>;
  /** `biz_content` as parsed. */
  biz: Readonly<Record<string, unknown>>;
  at: number;
}>;

/** An injected answer: `code`/`subCode` `times` times (default 1) to `methods` (default the send). */
export type FakeFailure = {
  code: string;
  subCode?: string;
  subMsg?: string;
  /** A non-200 HTTP answer with this status (and `body`) instead of a gateway answer. */
  status?: number;
  body?: string;
  times?: number;
  methods?: readonly string[];
  /** Answer the refusal without a `sign`. */
  unsigned?: boolean;
};

export type AlipayMiniprogramFake = Readonly<{
  /** The gateway URL: point an account's `baseUrl` here. */
  baseUrl: string;
  appId: string;
  /** The app's private key (PKCS#8 PEM) a client signs with. */
  appPrivateKey: string;
  /** The fake's Alipay public key, bare Base64 as the Alipay console shows it. */
  alipayPublicKey: string;
  /** Every request received (recorded before any check). */
  requests: FakeRequest[];
  /** Accepted messages, in arrival order. */
  messages: FakeAlipayMessage[];
  /** Calls that passed the gateway checks (for one method or all). */
  calls(method?: string): number;
  /** Answers refused with this `sub_code` (or `code` when none) so far. */
  refusals(code: string): number;
  /** Templates and their keywords; add or remove during a test. */
  templates: Map<string, readonly string[]>;
  /** Subscription of a user to a template: `long` (default), a one-time count, `none` or `rejected`. */
  subscribe(receiver: string, templateId: string, state: 'long' | 'none' | 'rejected' | number): void;
  fail(f: FakeFailure): void;
  clearFailures(): void;
  /** The next `times` answers leave spoiled: a signature that does not verify, none, or not JSON. */
  spoil(kind: NonNullable<AnswerStyle['spoil']>, times?: number): void;
  /** Holds every answer back `ms` (0 = none). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}>;

type Pair = Readonly<{ privateKey: KeyObject; publicKey: KeyObject }>;
const rsa = promisify(generateKeyPair);
let pairs: Promise<readonly [Pair, Pair]> | undefined;
/** The app's and Alipay's key pairs: made once per test process (2048-bit generation is slow). */
const keyPairs = (): Promise<readonly [Pair, Pair]> => {
  const gen = () => rsa('rsa', { modulusLength: 2048 }) as Promise<Pair>;
  pairs ??= Promise.all([gen(), gen()]);
  return pairs;
};

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startAlipayMiniprogramFake({ templates: { TPL_ORDER: ['keyword1', 'keyword2'] } });
 * // account config: { appId: fake.appId, privateKey: fake.appPrivateKey,
 * //   alipayPublicKey: fake.alipayPublicKey, baseUrl: fake.baseUrl }
 * fake.subscribe('2088102122458832', 'TPL_ORDER', 'rejected'); // the next send answers MSG_REJECTED
 * await fake.close();
 */
export async function startAlipayMiniprogramFake(
  opts: {
    appId?: string;
    /** The app public key to verify requests with (default: the fake's app pair's). */
    appPublicKey?: KeyObject;
    templates?: Readonly<Record<string, readonly string[]>>;
    now?: () => number;
    /** Accepted clock skew (Alipay's is unpublished ❓; 15 min by default). */
    timestampWindowMs?: number;
    escapeSlashes?: boolean;
  } = {},
): Promise<AlipayMiniprogramFake> {
  const [app, alipay] = await keyPairs();
  const appId = opts.appId ?? '2021000122671080';
  const now = opts.now ?? Date.now;
  const state = {
    appId,
    appPublicKey: opts.appPublicKey ?? app.publicKey,
    methods: new Set([SEND, BATCHQUERY]),
    now,
    timestampWindowMs: opts.timestampWindowMs ?? 15 * 60_000,
  };
  const templates = new Map(Object.entries(opts.templates ?? { TPL_ORDER: ['keyword1', 'keyword2'] }));
  const subs = new Map<string, 'long' | 'none' | 'rejected' | number>(); // `${receiver}|${templateId}`
  const messages: FakeAlipayMessage[] = [];
  const callCount = new Map<string, number>();
  const refusalCount = new Map<string, number>();
  let failures: FakeFailure[] = [];
  let spoils: { kind: NonNullable<AnswerStyle['spoil']>; left: number } | undefined;
  let delayMs = 0;

  const reply = (method: string | undefined, node: FakeNode): FakeReply => {
    if (node.code !== '10000') {
      const c = node.sub_code ?? node.code;
      refusalCount.set(c, (refusalCount.get(c) ?? 0) + 1);
    }
    const spoil = spoils && spoils.left-- > 0 ? spoils.kind : undefined;
    const r = answer(alipay.privateKey, method, node, {
      escapeSlashes: opts.escapeSlashes,
      ...(spoil ? { spoil } : {}),
    });
    return delayMs ? { ...r, delayMs } : r;
  };

  const injected = (method: string): FakeReply | undefined => {
    const f = failures.find((x) => (x.methods ?? [SEND]).includes(method) && (x.times ?? 1) > 0);
    if (!f) return undefined;
    f.times = (f.times ?? 1) - 1;
    if (f.status !== undefined) return { status: f.status, body: f.body ?? '' };
    const node: FakeNode = {
      code: f.code,
      msg: GATEWAY_MSG[f.code] ?? 'Error',
      ...(f.subCode ? { sub_code: f.subCode, sub_msg: f.subMsg ?? f.subCode } : {}),
    };
    const r = reply(method, node);
    return f.unsigned && typeof r.body === 'string'
      ? { ...r, body: r.body.replace(/,"sign":"[^"]*"\}$/, '}') }
      : r;
  };

  const rules: TemplateRules = {
    templates,
    subscription: (receiver, templateId) => subs.get(`${receiver}|${templateId}`) ?? 'long',
  };

  const send = (biz: Record<string, unknown>): FakeNode => {
    const refusal = sendRefusal(rules, biz);
    if (refusal) return { code: '40004', sub_code: refusal[0], sub_msg: refusal[1] };
    const receiver = String(biz.to_user_id ?? biz.to_open_id);
    const templateId = String(biz.user_template_id);
    const key = `${receiver}|${templateId}`;
    const sub = rules.subscription(receiver, templateId);
    if (typeof sub === 'number') subs.set(key, sub - 1);
    const data = JSON.parse(String(biz.data)) as Record<string, { value: string }>;
    messages.push(
      Object.freeze({
        receiver,
        kind: biz.to_user_id ? ('user_id' as const) : ('open_id' as const),
        templateId,
        ...(typeof biz.page === 'string' ? { page: biz.page } : {}),
        data: Object.freeze(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.value]))),
        biz: Object.freeze(biz),
        at: now(),
      }),
    );
    return { code: '10000', msg: 'Success' };
  };

  const batchquery = (biz: Record<string, unknown>): FakeNode => {
    if (biz.biz_type !== 'sub_msg')
      return { code: '40002', sub_code: 'isv.invalid-parameter', sub_msg: 'biz_type 只支持 sub_msg' };
    const size = Number(biz.page_size ?? 10);
    if (!(size >= 1 && size <= 10))
      return { code: '40002', sub_code: 'isv.invalid-parameter', sub_msg: 'page_size 最大 10' };
    const list = [...templates.keys()].slice(0, size).map((template_id) => ({ template_id }));
    return {
      code: '10000',
      msg: 'Success',
      page_num: '1',
      page_size: String(size),
      total_count: templates.size,
      template_list: list,
    };
  };

  const http = await startFakeHttp((req) => {
    if (req.method !== 'POST' || req.path !== '/gateway.do') return { status: 404, body: 'Not Found' };
    const g = checkGateway(state, req);
    if (!g.ok) return reply(g.method, g.node);
    callCount.set(g.method, (callCount.get(g.method) ?? 0) + 1);
    const hit = injected(g.method);
    if (hit) return hit;
    let biz: unknown;
    try {
      biz = JSON.parse(g.params.biz_content ?? '');
    } catch {
      biz = undefined;
    }
    if (!biz || typeof biz !== 'object' || Array.isArray(biz)) {
      return reply(g.method, {
        code: '40004',
        sub_code: 'BIZ_CONTENT_FORMAT_ERROR',
        sub_msg: 'biz_content 格式错误',
      });
    }
    const b = biz as Record<string, unknown>;
    return reply(g.method, g.method === SEND ? send(b) : batchquery(b));
  });

  return Object.freeze({
    baseUrl: `${http.url}/gateway.do`,
    appId,
    appPrivateKey: app.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    alipayPublicKey: createPublicKey(alipay.privateKey)
      .export({ format: 'der', type: 'spki' })
      .toString('base64'),
    requests: http.requests,
    messages,
    calls: (method?: string) =>
      method ? (callCount.get(method) ?? 0) : [...callCount.values()].reduce((a, b) => a + b, 0),
    refusals: (code: string) => refusalCount.get(code) ?? 0,
    templates,
    subscribe(receiver, templateId, s) {
      subs.set(`${receiver}|${templateId}`, s);
    },
    fail(f) {
      failures.push({ ...f });
    },
    clearFailures() {
      failures = [];
    },
    spoil(kind, times = 1) {
      spoils = { kind, left: times };
    },
    setDelay(ms) {
      delayMs = ms;
    },
    close: () => http.close(),
  });
}
