import { randomBytes } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { fromProviderNumber } from '../../sms/phone.ts';
import { jsonWithRawSids, matchesTemplate, segmentsOf, shanghaiString, validNumber } from './fixtures.ts';

/**
 * A fake Yunpian v2 API for tests (never imported by production code), checking what Yunpian
 * checks (PROVIDERS.md §3) and answering in its shapes: HTTP 200 with the result, errors as
 * HTTP 400 `{ http_status_code, code, msg, detail }`, sids past 2^53 written as bare integers.
 * Every accepted number gets a status report, queued for `pull_status.json` and available as
 * the push body Yunpian would POST to a callback.
 */

/** The fake's endpoints, as counted in `calls`. */
export type YunpianAction = 'single_send' | 'batch_send' | 'pull_status' | 'user_get';

/** One number Yunpian accepted (code 0), with its sid and billed parts. */
export type YunpianSend = Readonly<{
  sid: string;
  mobile: string;
  text: string;
  count: number;
  action: 'single_send' | 'batch_send';
  at: number;
}>;

/** An injected failure: a Yunpian error code (HTTP 400), or an HTTP status with a text body. */
export type YunpianFakeFailure = Readonly<
  { code: number; detail?: string } | { status: number; body?: string }
>;

export type YunpianFakeOptions = {
  apiKey?: string;
  /** Approved templates (`#name#` = a variable); absent: any signed text passes. */
  templates?: readonly string[];
  /** Account balance in RMB (default 1000) and the price of one part (default 0.05). */
  balance?: number;
  price?: number;
  /** Send calls allowed per rolling second; more answer -5. */
  maxCallsPerSecond?: number;
  /** Sends to one number allowed per hour (22) and per 24 h (17); default unlimited. */
  hourLimit?: number;
  dayLimit?: number;
  /** Yunpian's repeat rules: same text to a number within 30 s (8), more than 3 in 5 min (9). Default on. */
  repeatChecks?: boolean;
  /** Latency of every answer. */
  delayMs?: number;
  now?: () => number;
};

export type YunpianFake = Readonly<{
  /** Point an account's `baseUrl` here. */
  baseUrl: string;
  apiKey: string;
  /** Calls that reached each endpoint (whatever they came to). */
  readonly calls: Readonly<Record<YunpianAction, number>>;
  /** Every accepted send, in order. */
  sends: YunpianSend[];
  /** The numbers of `sends` (Yunpian form): to assert each was sent exactly once. */
  readonly accepted: readonly string[];
  requests: FakeRequest[];
  /** Numbers answered as bad format (2), blacklisted (10), or delivered with a FAIL report (number → error_msg). */
  invalidNumbers: Set<string>;
  blacklisted: Set<string>;
  receiptFailures: Map<string, string>;
  readonly balance: number;
  setBalance(rmb: number): void;
  /** Reports waiting in the pull queue. */
  readonly queuedReports: number;
  /**
   * The next `n` send calls (or pull/user calls, by `actions`) fail as told, after `skip` of
   * them are served; `n = Infinity`: all of them.
   */
  failNext(f: YunpianFakeFailure, n?: number, actions?: readonly YunpianAction[], skip?: number): void;
  clearFailures(): void;
  setDelay(ms: number): void;
  /** The form body Yunpian would POST to a callback for these sends (default: all so far). */
  pushBody(sends?: readonly YunpianSend[]): string;
  close(): Promise<void>;
}>;

const error = (code: number, msg: string, detail = msg): FakeReply => ({
  status: 400,
  body: { http_status_code: 400, code, msg, detail },
});
const json = (value: unknown): FakeReply => ({
  status: 200,
  headers: { 'content-type': 'application/json;charset=utf-8' },
  body: jsonWithRawSids(value),
});

const ACTIONS: Readonly<Record<string, YunpianAction>> = {
  '/v2/sms/single_send.json': 'single_send',
  '/v2/sms/batch_send.json': 'batch_send',
  '/v2/sms/pull_status.json': 'pull_status',
  '/v2/user/get.json': 'user_get',
};
const SENDS: readonly YunpianAction[] = ['single_send', 'batch_send'];

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startYunpianFake({ templates: ['【云片网】您的验证码是#code#'] });
 * // account config: { apiKey: fake.apiKey, baseUrl: fake.baseUrl }
 * fake.failNext({ code: -51 });        // the next send answers "system busy"
 * fake.invalidNumbers.add('+8613800000000');
 * await fake.close();
 */
export async function startYunpianFake(opts: YunpianFakeOptions = {}): Promise<YunpianFake> {
  const apiKey = opts.apiKey ?? randomBytes(16).toString('hex');
  const now = opts.now ?? Date.now;
  const price = opts.price ?? 0.05;
  let balance = opts.balance ?? 1000;
  let delayMs = opts.delayMs ?? 0;
  let failing:
    | { f: YunpianFakeFailure; left: number; skip: number; actions: readonly YunpianAction[] }
    | undefined;
  // 2^54 + 1 on: past 2^53, where a client reading sids as JS numbers loses the last digit.
  let nextSid = 2n ** 54n + 1n;
  const calls: Record<YunpianAction, number> = { single_send: 0, batch_send: 0, pull_status: 0, user_get: 0 };
  const sends: YunpianSend[] = [];
  const byNumber = new Map<string, YunpianSend[]>(); // E.164 → its accepted sends
  const reports = new Map<string, Record<string, unknown>>();
  const queue: Record<string, unknown>[] = [];
  const sendTimes: number[] = [];
  const invalidNumbers = new Set<string>();
  const blacklisted = new Set<string>();
  const receiptFailures = new Map<string, string>();
  const listed = (set: { has(k: string): boolean }, mobile: string) =>
    set.has(mobile) || set.has(fromProviderNumber(mobile));

  /** Why one number may not get `text` now (a per-number code), or undefined. */
  const numberError = (mobile: string, text: string): FakeReply | undefined => {
    if (!validNumber(mobile) || listed(invalidNumbers, mobile))
      return error(2, '请求参数格式错误', `参数 mobile 格式不正确，mobile ${mobile}`);
    if (listed(blacklisted, mobile)) return error(10, '手机号黑名单过滤', `手机号 ${mobile} 在黑名单中`);
    const t = now();
    const mine = byNumber.get(fromProviderNumber(mobile)) ?? [];
    const same = mine.filter((s) => s.text === text);
    if (opts.repeatChecks !== false) {
      if (same.some((s) => t - s.at < 30_000)) return error(8, '同一手机号30秒内重复提交相同的内容');
      if (same.filter((s) => t - s.at < 300_000).length >= 3)
        return error(9, '同一手机号5分钟内重复提交相同的内容超过3次');
    }
    if (opts.hourLimit !== undefined && mine.filter((s) => t - s.at < 3600_000).length >= opts.hourLimit) {
      return error(22, '1小时内同一手机号发送次数超过限制');
    }
    if (opts.dayLimit !== undefined && mine.filter((s) => t - s.at < 86_400_000).length >= opts.dayLimit) {
      return error(17, '24小时内同一手机号发送次数超过限制');
    }
    return undefined;
  };

  const accept = (mobile: string, text: string, action: YunpianSend['action']) => {
    const count = segmentsOf(text);
    const send: YunpianSend = Object.freeze({
      sid: String(nextSid++),
      mobile,
      text,
      count,
      action,
      at: now(),
    });
    sends.push(send);
    const key = fromProviderNumber(mobile);
    byNumber.set(key, [...(byNumber.get(key) ?? []), send]);
    balance -= count * price;
    const failed = receiptFailures.get(mobile) ?? receiptFailures.get(fromProviderNumber(mobile));
    const report = {
      error_detail: failed ? '失败' : '接收成功',
      sid: send.sid,
      uid: null,
      user_receive_time: shanghaiString(now()),
      error_msg: failed ?? '',
      mobile,
      report_status: failed ? 'FAIL' : 'SUCCESS',
    };
    reports.set(send.sid, report);
    queue.push(report);
    return { code: 0, msg: '发送成功', count, fee: count * price, unit: 'RMB', mobile, sid: send.sid };
  };

  const send = (action: 'single_send' | 'batch_send', form: URLSearchParams): FakeReply => {
    const mobile = form.get('mobile');
    const text = form.get('text');
    if (!mobile) return error(1, '请求参数缺失', '参数 mobile 必须传入');
    if (!text) return error(1, '请求参数缺失', '参数 text 必须传入');
    const t = now();
    while (sendTimes.length && t - sendTimes[0]! >= 1000) sendTimes.shift();
    if (opts.maxCallsPerSecond !== undefined && sendTimes.length >= opts.maxCallsPerSecond) {
      return error(-5, '访问频率超限');
    }
    sendTimes.push(t);
    const numbers = mobile.split(',');
    if (action === 'single_send' && numbers.length !== 1)
      return error(2, '请求参数格式错误', 'single_send 仅支持单号码');
    if (numbers.length > 1000) return error(2, '请求参数格式错误', '一次不要超过1000个手机号');
    if (
      !/^【[^【】]+】/.test(text) ||
      (opts.templates && !opts.templates.some((p) => matchesTemplate(p, text)))
    ) {
      return error(5, '未找到匹配的模板', '请检查短信内容是否与已审核的模板一致');
    }
    const valid = numbers.filter((n) => !numberError(n, text));
    if (valid.length * segmentsOf(text) * price > balance + 1e-9)
      return error(3, '账户余额不足', '请充值后重试');
    if (action === 'single_send')
      return numberError(numbers[0]!, text) ?? json(accept(numbers[0]!, text, action));
    const data = numbers.map((n) => {
      const bad = numberError(n, text);
      if (!bad) return accept(n, text, action);
      const b = bad.body as { code: number; msg: string };
      return { code: b.code, msg: b.msg, count: 0, fee: 0, unit: 'RMB', mobile: n, sid: '0' };
    });
    const ok = data.filter((d) => d.code === 0);
    const totalFee = ok.reduce((s, d) => s + d.fee, 0);
    return json({
      total_count: ok.reduce((s, d) => s + d.count, 0),
      total_fee: totalFee.toFixed(4),
      unit: 'RMB',
      data,
    });
  };

  const pull = (form: URLSearchParams): FakeReply => {
    const raw = form.get('page_size') ?? '20';
    const size = Number(raw);
    if (!/^\d+$/.test(raw) || size < 1 || size > 100)
      return error(2, '请求参数格式错误', 'page_size 最大100');
    return json(queue.splice(0, size));
  };

  const user = (): FakeReply =>
    json({
      nick: 'pushline-test',
      gmt_created: '2024-01-01 00:00:00',
      mobile: '13800138000',
      email: 'ops@example.com',
      ip_whitelist: null,
      api_version: 'v2',
      balance: Math.round(balance * 1000) / 1000,
      alarm_balance: 10,
      emergency_contact: '',
      emergency_mobile: '',
    });

  const answer = (req: FakeRequest): FakeReply => {
    const action = ACTIONS[req.path];
    if (!action) return { status: 404, body: 'not found' };
    calls[action]++;
    if (req.method !== 'POST') return error(11, '接口不支持GET方式调用');
    if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
      return error(1, '请求参数缺失', '请以 application/x-www-form-urlencoded 提交');
    }
    const form = new URLSearchParams(req.body);
    const key = form.get('apikey');
    if (!key) return error(1, '请求参数缺失', '参数 apikey 必须传入');
    if (key !== apiKey) return error(-1, '非法的apikey', '请检查的apikey是否正确');
    if (failing && failing.left > 0 && failing.actions.includes(action) && failing.skip-- <= 0) {
      failing.left--;
      const f = failing.f;
      return 'code' in f
        ? error(f.code, 'injected failure', f.detail)
        : { status: f.status, body: f.body ?? 'injected failure' };
    }
    if (action === 'pull_status') return pull(form);
    if (action === 'user_get') return user();
    return send(action, form);
  };

  const http = await startFakeHttp((req) => {
    const reply = answer(req);
    return delayMs ? { ...reply, delayMs } : reply;
  });

  return Object.freeze({
    baseUrl: http.url,
    apiKey,
    get calls() {
      return Object.freeze({ ...calls });
    },
    sends,
    get accepted() {
      return sends.map((s) => s.mobile);
    },
    requests: http.requests,
    invalidNumbers,
    blacklisted,
    receiptFailures,
    get balance() {
      return balance;
    },
    setBalance(rmb: number) {
      balance = rmb;
    },
    get queuedReports() {
      return queue.length;
    },
    failNext(f: YunpianFakeFailure, n = 1, actions: readonly YunpianAction[] = SENDS, skip = 0) {
      failing = { f, left: n, skip, actions };
    },
    clearFailures() {
      failing = undefined;
    },
    setDelay(ms: number) {
      delayMs = ms;
    },
    pushBody(list: readonly YunpianSend[] = sends) {
      const body = list.map((s) => reports.get(s.sid)).filter(Boolean);
      return `sms_status=${encodeURIComponent(jsonWithRawSids(body))}`;
    },
    close: () => http.close(),
  });
}
