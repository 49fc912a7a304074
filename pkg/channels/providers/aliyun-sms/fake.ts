import { randomBytes, randomInt } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { actionAnswer, gatewayError, verifyGateway } from './fixtures.ts';
import { shanghaiDate, shanghaiTime } from './time.ts';

/**
 * A fake dysmsapi for tests (never imported by production code): the gateway checks of
 * fixtures.ts (both signatures, 15-minute clock window, nonce reuse, AccessKey), then
 * SendSms / SendBatchSms / QuerySendDetails as Alibaba answers them (PROVIDERS.md §2.4–2.8):
 * ≤ 1000 (≤ 100) numbers in Aliyun's form, one malformed number refuses the whole call
 * (`isv.MOBILE_NUMBER_ILLEGAL`), approved sign names and templates with their parameters.
 * Every accepted number gets a receipt (delivered unless told otherwise), pulled by BizId and
 * number or built into the SmsReport body Alibaba would push.
 */

/** An accepted send call. */
export type FakeSend = Readonly<{
  bizId: string;
  action: 'SendSms' | 'SendBatchSms';
  kind: 'acs3' | 'rpc';
  numbers: readonly string[];
  /** One per number (SendSms: the call's sign name repeated). */
  signNames: readonly string[];
  templateCode: string;
  /** One per number (SendSms: the call's parameters repeated). */
  params: readonly Readonly<Record<string, string>>[];
  outId?: string;
  at: number;
}>;

/** A receipt as QuerySendDetails reports it: 1 waiting, 2 failed, 3 delivered. */
export type FakeReceiptState = Readonly<{ sendStatus: 1 | 2 | 3; errCode: string }>;

/** An injected failure: `code` answered `times` times (default 1, Infinity: always) to `actions` (default the sends). */
export type FakeFailure = {
  code: string;
  /** 200 answers `{ Code, Message }` as an action does; other statuses the gateway's shape. */
  status?: number;
  times?: number;
  message?: string;
  /** A raw body instead (e.g. a proxy's HTML error page). */
  body?: string;
  actions?: readonly string[];
};

export type AliyunSmsFake = Readonly<{
  baseUrl: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Every request received (recorded before any check). */
  requests: FakeRequest[];
  /** Accepted send calls, in arrival order. */
  sends: FakeSend[];
  /** Every number of every accepted send, in order (assert each was sent exactly once). */
  acceptedNumbers(): string[];
  /** Calls that passed the gateway, for one action or all. */
  calls(action?: string): number;
  /** Answers with this code so far (gateway refusals, action errors and injected ones). */
  refusals(code: string): number;
  /** Numbers refused as `isv.MOBILE_NUMBER_ILLEGAL` (the whole call, as Alibaba does). */
  invalidNumbers: Set<string>;
  /** Receipt state of future sends to a number (default delivered). */
  receiptFor: Map<string, FakeReceiptState>;
  /** Changes the receipt of one accepted number (e.g. waiting → delivered). */
  setReceipt(bizId: string, number: string, state: FakeReceiptState): void;
  fail(f: FakeFailure): void;
  clearFailures(): void;
  /** Holds every answer back `ms` (a slow Alibaba; 0 = none). */
  setDelay(ms: number): void;
  /** The SmsReport body Alibaba would POST for these sends' final receipts (default all). */
  pushBody(sends?: readonly FakeSend[]): string;
  close(): Promise<void>;
}>;

const SEND_ACTIONS = ['SendSms', 'SendBatchSms'];
const DELIVERED: FakeReceiptState = Object.freeze({ sendStatus: 3, errCode: 'DELIVERED' });
/** Aliyun's number forms: 11 mainland digits, or country code and number without `+` (not 86). */
const NUMBER = /^(?:1[3-9]\d{9}|(?!86)[1-9]\d{7,14})$/;

type FakeRecord = { send: FakeSend; number: string; state: FakeReceiptState };

/**
 * The config of an account at the fake (its key pair and URL, with `signName`).
 *
 * @example accounts.create({ channel: 'sms', provider: 'aliyun', config: aliyunAccountConfig(fake, '阿里云') })
 */
export const aliyunAccountConfig = (fake: AliyunSmsFake, signName: string) => ({
  accessKeyId: fake.accessKeyId,
  accessKeySecret: fake.accessKeySecret,
  signName,
  baseUrl: fake.baseUrl,
});

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startAliyunSmsFake({ templates: { SMS_1: ['code'] }, signNames: ['阿里云'] });
 * // account config: { accessKeyId: fake.accessKeyId, accessKeySecret: fake.accessKeySecret,
 * //   signName: '阿里云', baseUrl: fake.baseUrl }
 * fake.fail({ code: 'isv.AMOUNT_NOT_ENOUGH' });  // the next send call answers it
 * fake.receiptFor.set('13800138000', { sendStatus: 2, errCode: 'MK:0001' });
 * await fake.close();
 */
export async function startAliyunSmsFake(
  opts: {
    accessKeyId?: string;
    accessKeySecret?: string;
    /** Approved templates and their variables; absent = any template, parameters unchecked. */
    templates?: Readonly<Record<string, readonly string[]>>;
    /** Approved sign names; absent = any. */
    signNames?: readonly string[];
    invalidNumbers?: Iterable<string>;
    now?: () => number;
  } = {},
): Promise<AliyunSmsFake> {
  const accessKeyId = opts.accessKeyId ?? `LTAI${randomBytes(10).toString('hex')}`;
  const accessKeySecret = opts.accessKeySecret ?? randomBytes(22).toString('base64url');
  const now = opts.now ?? Date.now;
  const gateway = { keys: new Map([[accessKeyId, accessKeySecret]]), nonces: new Set<string>(), now };
  const sends: FakeSend[] = [];
  const records = new Map<string, FakeRecord>(); // `${bizId}|${number}`
  const callCount = new Map<string, number>();
  const refusalCount = new Map<string, number>();
  const invalidNumbers = new Set(opts.invalidNumbers ?? []);
  const receiptFor = new Map<string, FakeReceiptState>();
  let failures: FakeFailure[] = [];
  let delayMs = 0;

  const refused = (reply: FakeReply, code: string): FakeReply => {
    refusalCount.set(code, (refusalCount.get(code) ?? 0) + 1);
    return reply;
  };
  const err = (code: string, message: string) => refused(actionAnswer(code, message), code);
  const missing = (name: string) =>
    refused(gatewayError(400, `Missing${name}`, `${name} is mandatory for this action.`), `Missing${name}`);

  /** Checks template, parameters and sign names of a send; the error answer, if any. */
  const contentError = (
    templateCode: string,
    params: unknown[],
    signNames: string[],
  ): FakeReply | undefined => {
    const vars = opts.templates ? opts.templates[templateCode] : [];
    if (!vars) return err('isv.SMS_TEMPLATE_ILLEGAL', '模板不合法(不存在或被拉黑)');
    if (opts.signNames && signNames.some((s) => !opts.signNames!.includes(s))) {
      return err('isv.SMS_SIGNATURE_ILLEGAL', '签名不合法(不存在或被拉黑)');
    }
    for (const p of params) {
      const ok =
        p &&
        typeof p === 'object' &&
        !Array.isArray(p) &&
        Object.values(p).every((v) => typeof v === 'string');
      if (!ok) return err('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
      if (vars.some((v) => !(v in (p as object))))
        return err('isv.TEMPLATE_MISSING_PARAMETERS', '模板缺少变量');
    }
    return undefined;
  };

  /** Checks the numbers of a send call; the error answer, if any. */
  const numbersError = (numbers: string[], max: number): FakeReply | undefined => {
    if (numbers.length > max) return err('isv.MOBILE_COUNT_OVER_LIMIT', '手机号码数量超过限制');
    if (numbers.some((n) => !NUMBER.test(n) || invalidNumbers.has(n)))
      return err('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    return undefined;
  };

  const accept = (s: Omit<FakeSend, 'bizId' | 'at'>): FakeReply => {
    const send: FakeSend = Object.freeze({
      ...s,
      bizId: `${randomInt(1e8, 1e9)}${sends.length}^0`,
      at: now(),
    });
    sends.push(send);
    for (const number of send.numbers) {
      records.set(`${send.bizId}|${number}`, { send, number, state: receiptFor.get(number) ?? DELIVERED });
    }
    return actionAnswer('OK', 'OK', { BizId: send.bizId });
  };

  const parseJson = (text: string | undefined): unknown => {
    try {
      return text === undefined ? undefined : JSON.parse(text);
    } catch {
      return undefined;
    }
  };

  const sendSms = (p: Readonly<Record<string, string>>, kind: FakeSend['kind']): FakeReply => {
    for (const name of ['PhoneNumbers', 'SignName', 'TemplateCode']) if (!p[name]) return missing(name);
    const numbers = p.PhoneNumbers!.split(',').map((n) => n.trim());
    const params = p.TemplateParam === undefined ? {} : parseJson(p.TemplateParam);
    const bad = numbersError(numbers, 1000) ?? contentError(p.TemplateCode!, [params], [p.SignName!]);
    if (bad) return bad;
    return accept({
      action: 'SendSms',
      kind,
      numbers,
      signNames: numbers.map(() => p.SignName!),
      templateCode: p.TemplateCode!,
      params: numbers.map(() => params as Record<string, string>),
      ...(p.OutId ? { outId: p.OutId } : {}),
    });
  };

  const sendBatchSms = (p: Readonly<Record<string, string>>, kind: FakeSend['kind']): FakeReply => {
    for (const name of ['PhoneNumberJson', 'SignNameJson', 'TemplateCode'])
      if (!p[name]) return missing(name);
    const numbers = parseJson(p.PhoneNumberJson);
    const signs = parseJson(p.SignNameJson);
    const params = p.TemplateParamJson === undefined ? undefined : parseJson(p.TemplateParamJson);
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((v) => typeof v === 'string');
    if (!strings(numbers) || !strings(signs) || signs.length !== numbers.length) {
      return err(
        'isv.INVALID_JSON_PARAM',
        'PhoneNumberJson and SignNameJson must be string arrays of one length',
      );
    }
    const paramList = params === undefined ? numbers.map(() => ({})) : params;
    if (!Array.isArray(paramList) || paramList.length !== numbers.length) {
      return err('isv.INVALID_JSON_PARAM', 'TemplateParamJson must be an array as long as PhoneNumberJson');
    }
    const bad = numbersError(numbers, 100) ?? contentError(p.TemplateCode!, paramList, signs);
    if (bad) return bad;
    return accept({
      action: 'SendBatchSms',
      kind,
      numbers,
      signNames: signs,
      templateCode: p.TemplateCode!,
      params: paramList as Record<string, string>[],
      ...(p.OutId ? { outId: p.OutId } : {}),
    });
  };

  const dto = (r: FakeRecord) => ({
    PhoneNum: r.number,
    SendStatus: r.state.sendStatus,
    ErrCode: r.state.errCode,
    TemplateCode: r.send.templateCode,
    Content: `【${r.send.signNames[0]}】${JSON.stringify(r.send.params[0])}`,
    SendDate: shanghaiTime(r.send.at),
    ReceiveDate: r.state.sendStatus === 1 ? '' : shanghaiTime(r.send.at + 1000),
    OutId: r.send.outId ?? '',
  });

  const querySendDetails = (p: Readonly<Record<string, string>>): FakeReply => {
    for (const name of ['PhoneNumber', 'SendDate', 'PageSize', 'CurrentPage'])
      if (!p[name]) return missing(name);
    const size = Number(p.PageSize);
    const page = Number(p.CurrentPage);
    const oldest = shanghaiDate(now() - 30 * 86_400_000);
    if (!/^\d{8}$/.test(p.SendDate!) || p.SendDate! < oldest || !(size >= 1 && size <= 50) || !(page >= 1)) {
      return err('isv.INVALID_PARAMETERS', '参数异常');
    }
    const found = [...records.values()].filter(
      (r) =>
        r.number === p.PhoneNumber &&
        shanghaiDate(r.send.at) === p.SendDate &&
        (!p.BizId || r.send.bizId === p.BizId),
    );
    const items = found.slice((page - 1) * size, page * size).map(dto);
    return actionAnswer('OK', 'OK', {
      TotalCount: found.length,
      SmsSendDetailDTOs: { SmsSendDetailDTO: items },
    });
  };

  const injected = (action: string): FakeReply | undefined => {
    const f = failures.find((x) => (x.times ?? 1) > 0 && (x.actions ?? SEND_ACTIONS).includes(action));
    if (!f) return undefined;
    f.times = (f.times ?? 1) - 1;
    const status = f.status ?? 200;
    const message = f.message ?? `injected ${f.code}`;
    if (f.body !== undefined) return refused({ status, body: f.body }, f.code);
    return refused(
      status === 200 ? actionAnswer(f.code, message) : gatewayError(status, f.code, message),
      f.code,
    );
  };

  const handle = (req: FakeRequest): FakeReply => {
    if (req.path !== '/' || (req.method !== 'POST' && req.method !== 'GET'))
      return { status: 404, body: 'not found' };
    const g = verifyGateway(req, gateway);
    if (!g.ok) return refused(gatewayError(g.status, g.code, g.message), g.code);
    callCount.set(g.action, (callCount.get(g.action) ?? 0) + 1);
    const inj = injected(g.action);
    if (inj) return inj;
    if (g.action === 'SendSms') return sendSms(g.params, g.kind);
    if (g.action === 'SendBatchSms') return sendBatchSms(g.params, g.kind);
    if (g.action === 'QuerySendDetails') return querySendDetails(g.params);
    return refused(
      gatewayError(404, 'InvalidAction.NotFound', `Specified api is not found.`),
      'InvalidAction.NotFound',
    );
  };

  const http = await startFakeHttp((req) => {
    const reply = handle(req);
    return delayMs > 0 ? { ...reply, delayMs } : reply;
  });

  return Object.freeze({
    baseUrl: `${http.url}/`,
    accessKeyId,
    accessKeySecret,
    requests: http.requests,
    sends,
    acceptedNumbers: () => sends.flatMap((s) => s.numbers),
    calls: (action?: string) =>
      action === undefined
        ? [...callCount.values()].reduce((a, b) => a + b, 0)
        : (callCount.get(action) ?? 0),
    refusals: (code: string) => refusalCount.get(code) ?? 0,
    invalidNumbers,
    receiptFor,
    setReceipt(bizId: string, number: string, state: FakeReceiptState) {
      const r = records.get(`${bizId}|${number}`);
      if (!r) throw new Error(`no accepted send ${bizId} to ${number}`);
      r.state = state;
    },
    fail(f: FakeFailure) {
      failures.push({ ...f });
    },
    clearFailures() {
      failures = [];
    },
    setDelay(ms: number) {
      delayMs = ms;
    },
    pushBody(only?: readonly FakeSend[]) {
      const picked = only ? new Set(only.map((s) => s.bizId)) : undefined;
      const report = [...records.values()]
        .filter((r) => r.state.sendStatus !== 1 && (!picked || picked.has(r.send.bizId)))
        .map((r) => ({
          phone_number: r.number,
          send_time: shanghaiTime(r.send.at),
          report_time: shanghaiTime(r.send.at + 1000),
          success: r.state.sendStatus === 3,
          err_code: r.state.errCode,
          err_msg: r.state.sendStatus === 3 ? '用户接收成功' : '用户接收失败',
          sms_size: '1',
          biz_id: r.send.bizId,
          out_id: r.send.outId ?? '',
        }));
      return JSON.stringify(report);
    },
    close: () => http.close(),
  });
}
