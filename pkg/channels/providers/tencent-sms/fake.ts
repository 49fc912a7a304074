import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { TENCENT_SMS_SERVICE, TENCENT_SMS_VERSION, type TencentAction } from './api.ts';
import { parseTc3Authorization, tc3Date, tc3Sign } from './sign.ts';

/**
 * A fake Tencent Cloud SMS API for tests (never imported by production code). It checks what the
 * real one checks (PROVIDERS.md §1): the TC3-HMAC-SHA256 signature over the headers the request
 * names (the Host it signs is the host it was reached at), the ±5 min timestamp window, version,
 * region and action headers, required fields, ≤200 numbers, E.164 numbers, one call all mainland
 * or all international, the SdkAppId, approved templates and signatures and the template's
 * parameter count. It answers HTTP 200 with Tencent's `{"Response": …}` shapes; every accepted
 * number gets a receipt queued for PullSmsSendStatus.
 */

/** A number SendSms accepted (`Code: "Ok"`). */
export type FakeSms = Readonly<{
  serialNo: string;
  phoneNumber: string;
  sdkAppId: string;
  templateId: string;
  params: readonly string[];
  signName?: string;
  fee: number;
  at: number;
}>;

/** A request-level failure to inject: a Tencent `Error.Code`, or a raw HTTP status. */
export type FakeFailure =
  | Readonly<{ code: string; message?: string }>
  | Readonly<{ status: number; body?: string }>;

/** The receipt an accepted number gets (`errmsg` is the carrier code, e.g. `DELIVRD`, `UNDELIV`). */
export type FakeReceiptStatus = Readonly<{ status: 'SUCCESS' | 'FAIL'; errmsg: string; description: string }>;

export type TencentSmsFake = Readonly<{
  /** Point an account's `baseUrl` here. */
  baseUrl: string;
  secretId: string;
  secretKey: string;
  sdkAppId: string;
  /** An approved signature (the default account `signName`). */
  signName: string;
  /** Approved templates: id → text with `{1}`, `{2}` … placeholders. */
  templates: Map<string, string>;
  /** Calls that reached the fake, by `X-TC-Action` (whatever they came to). */
  calls(action: TencentAction): number;
  /** Every request received, in order. */
  requests: FakeRequest[];
  /** Accepted numbers in order (one entry per number per call). */
  sent: FakeSms[];
  /** How many times `number` was accepted. */
  sentTo(number: string): number;
  /**
   * The next `times` (default 1) calls of `action` (default SendSms) fail with `f`, after the
   * signature check; with `after`, that many calls pass first (a pull whose 2nd page fails).
   */
  failNext(f: FakeFailure, opts?: { times?: number; action?: TencentAction; after?: number }): void;
  /** Every call of `action` fails with `f` until {@link recover}. */
  failAlways(f: FakeFailure, action?: TencentAction): void;
  recover(): void;
  /** SendSms answers `code` for `number` in its `SendStatusSet` entry (default: incorrect number). */
  failNumber(number: string, code?: string): void;
  /** Holds every answer back by `ms` (0: none). */
  delay(ms: number): void;
  /** The receipt later sends to `number` get (default SUCCESS/DELIVRD). */
  receiptFor(number: string, status: FakeReceiptStatus): void;
  /** Receipts queued for PullSmsSendStatus and not pulled yet. */
  readonly queued: number;
  /** The exact body Tencent would POST to a callback URL for `sends` (default: all accepted). */
  callbackBody(sends?: readonly FakeSms[]): string;
  close(): Promise<void>;
}>;

const DELIVERED: FakeReceiptStatus = {
  status: 'SUCCESS',
  errmsg: 'DELIVRD',
  description: '用户短信送达成功',
};
const ACTIONS = new Set<string>(['SendSms', 'PullSmsSendStatus', 'PullSmsSendStatusByPhoneNumber']);
const E164 = /^\+[1-9]\d{7,14}$/;
const WINDOW_S = 300;
const MAX_NUMBERS = 200;
const COUNTRY_CODES = ['852', '853', '886', '1', '7', '33', '44', '49', '60', '61', '65', '81', '82'];

type FakeReceipt = FakeReceiptStatus & { serialNo: string; phoneNumber: string; at: number };

const error = (code: string, message: string): FakeReply => ({
  status: 200,
  body: { Response: { Error: { Code: code, Message: message }, RequestId: randomUUID() } },
});
const ok = (fields: Record<string, unknown>): FakeReply => ({
  status: 200,
  body: { Response: { ...fields, RequestId: randomUUID() } },
});

/** Country code and national number of an E.164 number (a few codes suffice for a fake). */
function split(e164: string): { cc: string; national: string } {
  const digits = e164.slice(1);
  const cc = digits.startsWith('86')
    ? '86'
    : (COUNTRY_CODES.filter((c) => digits.startsWith(c)).sort((a, b) => b.length - a.length)[0] ??
      digits.slice(0, 2));
  return { cc, national: digits.slice(cc.length) };
}

/** Beijing local time text, as the callback carries it. */
const shanghaiText = (ms: number): string =>
  new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

/** Billed parts of a text (70 characters fit one SMS, longer ones go in parts of 67; ❓ §1.4). */
const fee = (text: string): number => {
  const n = [...text].length;
  return n <= 70 ? 1 : Math.ceil(n / 67);
};

const placeholderCount = (text: string): number => new Set(text.match(/\{\d+\}/g) ?? []).size;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startTencentSmsFake({ templates: { '1001': '您的验证码是{1}' } });
 * // account config: { secretId: fake.secretId, secretKey: fake.secretKey, sdkAppId: fake.sdkAppId,
 * //   signName: fake.signName, baseUrl: fake.baseUrl }
 * fake.failNext({ code: 'RequestLimitExceeded' });  // the next SendSms is rate limited
 * fake.failNext({ status: 503 }, { action: 'PullSmsSendStatus', after: 1 }); // a pull's 2nd page
 * fake.failNumber('+8613800000001');                  // answered InvalidParameterValue.IncorrectPhoneNumber
 * await fake.close();
 */
export async function startTencentSmsFake(
  opts: {
    secretId?: string;
    secretKey?: string;
    sdkAppId?: string;
    signNames?: readonly string[];
    templates?: Readonly<Record<string, string>>;
    now?: () => number;
  } = {},
): Promise<TencentSmsFake> {
  const secretId = opts.secretId ?? `AKID${randomBytes(16).toString('hex')}`;
  const secretKey = opts.secretKey ?? randomBytes(24).toString('base64url');
  const sdkAppId = opts.sdkAppId ?? `1400${String(100000 + Math.floor(Math.random() * 900000))}`;
  const signNames = new Set(opts.signNames ?? ['推送测试']);
  const templates = new Map(Object.entries(opts.templates ?? { '1001': '您的验证码是{1}，{2}分钟内有效。' }));
  const now = opts.now ?? Date.now;
  const calls = new Map<string, number>();
  const sent: FakeSms[] = [];
  const receipts: FakeReceipt[] = [];
  const queue: FakeReceipt[] = [];
  const numberCodes = new Map<string, string>();
  const receiptStatus = new Map<string, FakeReceiptStatus>();
  let failures: { f: FakeFailure; skip: number; left: number; action: string }[] = [];
  let delayMs = 0;

  /** The checks before any action: headers, timestamp window, signature. */
  const refuse = (req: FakeRequest, action: string): FakeReply | undefined => {
    if (!ACTIONS.has(action)) return error('InvalidAction', `action ${action || '(none)'} does not exist`);
    if (req.headers['x-tc-version'] !== TENCENT_SMS_VERSION) return error('NoSuchVersion', 'unknown version');
    if (!req.headers['x-tc-region']) return error('MissingParameter', 'X-TC-Region is required');
    const auth = parseTc3Authorization(req.headers.authorization);
    if (!auth) return error('AuthFailure.InvalidAuthorization', 'Authorization is not TC3-HMAC-SHA256');
    if (auth.secretId !== secretId) return error('AuthFailure.SecretIdNotFound', 'The SecretId is not found');
    const tsText = req.headers['x-tc-timestamp'] ?? '';
    const ts = Number(tsText);
    if (!/^\d+$/.test(tsText)) return error('MissingParameter', 'X-TC-Timestamp is required');
    if (Math.abs(now() / 1000 - ts) > WINDOW_S) {
      return error('AuthFailure.SignatureExpire', 'Signature expired: timestamp is more than 5 minutes off');
    }
    const signedNames = auth.signedHeaders;
    const complete =
      signedNames.includes('content-type') &&
      signedNames.includes('host') &&
      signedNames.every((h) => req.headers[h] !== undefined);
    const expected = tc3Sign({
      secretId,
      secretKey,
      service: TENCENT_SMS_SERVICE,
      timestamp: ts,
      method: req.method,
      path: req.path,
      query: req.url.split('?')[1] ?? '',
      headers: Object.fromEntries(signedNames.map((h) => [h, req.headers[h] ?? ''])),
      payload: req.body,
    }).signature;
    const same = timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
    if (!complete || auth.service !== TENCENT_SMS_SERVICE || auth.date !== tc3Date(ts) || !same) {
      return error(
        'AuthFailure.SignatureFailure',
        'The provided credentials could not be validated. Please check your signature is correct.',
      );
    }
    return undefined;
  };

  const injected = (action: string): FakeReply | undefined => {
    const hit = failures.find((x) => x.action === action && x.left > 0);
    if (!hit) return undefined;
    if (hit.skip > 0) {
      hit.skip--;
      return undefined;
    }
    hit.left--;
    if ('status' in hit.f) return { status: hit.f.status, body: hit.f.body ?? 'injected failure' };
    return error(hit.f.code, hit.f.message ?? `injected ${hit.f.code}`);
  };

  const appIdError = (b: Record<string, unknown>): FakeReply | undefined => {
    if (typeof b.SmsSdkAppId !== 'string' || !b.SmsSdkAppId) return error('MissingParameter', 'SmsSdkAppId');
    if (b.SmsSdkAppId !== sdkAppId) {
      return error('UnauthorizedOperation.SmsSdkAppIdVerifyFail', 'SmsSdkAppId does not belong to this key');
    }
    return undefined;
  };

  const sendSms = (b: Record<string, unknown>): FakeReply => {
    const numbers = b.PhoneNumberSet;
    if (!Array.isArray(numbers) || numbers.some((n) => typeof n !== 'string')) {
      return error('MissingParameter.EmptyPhoneNumberSet', 'PhoneNumberSet is required');
    }
    if (numbers.length === 0) return error('MissingParameter.EmptyPhoneNumberSet', 'PhoneNumberSet is empty');
    if (numbers.length > MAX_NUMBERS) {
      return error('LimitExceeded.PhoneNumberCountLimit', 'more than 200 numbers in one call');
    }
    const bad = appIdError(b);
    if (bad) return bad;
    if (typeof b.TemplateId !== 'string' || !b.TemplateId) return error('MissingParameter', 'TemplateId');
    const params = b.TemplateParamSet ?? [];
    if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) {
      return error('InvalidParameter', 'TemplateParamSet must be an array of strings');
    }
    const valid = (numbers as string[]).filter((n) => E164.test(n));
    const mainland = valid.filter((n) => n.startsWith('+86')).length;
    if (mainland > 0 && mainland < valid.length) {
      return error(
        'UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber',
        'both mainland and international numbers in one call',
      );
    }
    const text = templates.get(b.TemplateId);
    const sign = typeof b.SignName === 'string' && b.SignName ? b.SignName : undefined;
    const set = (numbers as string[]).map((n) => {
      const entry = (Code: string, Message: string, extra: Record<string, unknown> = {}) => ({
        SerialNo: '',
        PhoneNumber: n,
        Fee: 0,
        SessionContext: '',
        Code,
        Message,
        IsoCode: n.startsWith('+86') ? 'CN' : 'DEF',
        ...extra,
      });
      if (!E164.test(n)) return entry('InvalidParameterValue.IncorrectPhoneNumber', 'incorrect phone number');
      if (text === undefined)
        return entry('FailedOperation.TemplateIncorrectOrUnapproved', 'template unapproved');
      if (params.length !== placeholderCount(text)) {
        return entry(
          'FailedOperation.TemplateParamSetNotMatchApprovedTemplate',
          'params do not match the template',
        );
      }
      if ((n.startsWith('+86') && !sign) || (sign !== undefined && !signNames.has(sign))) {
        return entry('FailedOperation.SignatureIncorrectOrUnapproved', 'signature unapproved');
      }
      const code = numberCodes.get(n);
      if (code) return entry(code, `injected ${code}`);
      const rendered =
        (sign ? `【${sign}】` : '') + text.replace(/\{(\d+)\}/g, (_, i) => String(params[Number(i) - 1]));
      const sms: FakeSms = Object.freeze({
        serialNo: `2433:${randomBytes(12).toString('hex')}`,
        phoneNumber: n,
        sdkAppId,
        templateId: b.TemplateId as string,
        params: Object.freeze([...(params as string[])]),
        ...(sign ? { signName: sign } : {}),
        fee: fee(rendered),
        at: now(),
      });
      sent.push(sms);
      const r = {
        ...(receiptStatus.get(n) ?? DELIVERED),
        serialNo: sms.serialNo,
        phoneNumber: n,
        at: sms.at,
      };
      receipts.push(r);
      queue.push(r);
      return entry('Ok', 'send success', { SerialNo: sms.serialNo, Fee: sms.fee });
    });
    return ok({ SendStatusSet: set });
  };

  const pullEntry = (r: FakeReceipt) => {
    const { cc, national } = split(r.phoneNumber);
    return {
      UserReceiveTime: Math.floor(r.at / 1000),
      CountryCode: cc,
      SubscriberNumber: national,
      PhoneNumber: r.phoneNumber,
      SerialNo: r.serialNo,
      ReportStatus: r.status,
      Description: r.errmsg,
      SessionContext: '',
    };
  };

  const limitError = (limit: unknown): FakeReply | undefined =>
    isInt(limit) && limit >= 1 && limit <= 100
      ? undefined
      : error('InvalidParameterValue.LimitVerifyFail', 'Limit');

  const pull = (b: Record<string, unknown>): FakeReply => {
    const bad = limitError(b.Limit) ?? appIdError(b);
    if (bad) return bad;
    return ok({ PullSmsSendStatusSet: queue.splice(0, b.Limit as number).map(pullEntry) });
  };

  const pullByNumber = (b: Record<string, unknown>): FakeReply => {
    const nowS = Math.floor(now() / 1000);
    if (!isInt(b.BeginTime) || b.BeginTime < nowS - 7 * 86400) {
      return error('InvalidParameterValue.BeginTimeVerifyFail', 'BeginTime');
    }
    if (b.EndTime !== undefined && (!isInt(b.EndTime) || b.EndTime < b.BeginTime)) {
      return error('InvalidParameterValue.EndTimeVerifyFail', 'EndTime');
    }
    if (b.Offset !== 0) return error('InvalidParameterValue.OffsetVerifyFail', 'Offset');
    const bad = limitError(b.Limit) ?? appIdError(b);
    if (bad) return bad;
    if (typeof b.PhoneNumber !== 'string' || !E164.test(b.PhoneNumber)) {
      return error('InvalidParameterValue.IncorrectPhoneNumber', 'incorrect phone number');
    }
    const [from, to] = [b.BeginTime * 1000, ((b.EndTime as number | undefined) ?? nowS) * 1000 + 999];
    const hits = receipts.filter((r) => r.phoneNumber === b.PhoneNumber && r.at >= from && r.at <= to);
    return ok({ PullSmsSendStatusSet: hits.slice(0, b.Limit as number).map(pullEntry) });
  };

  const answer = (req: FakeRequest): FakeReply => {
    if (req.method !== 'POST' || req.path !== '/') return { status: 404, body: 'not found' };
    const action = req.headers['x-tc-action'] ?? '';
    calls.set(action, (calls.get(action) ?? 0) + 1);
    const refused = refuse(req, action) ?? injected(action);
    if (refused) return refused;
    const b = req.json();
    if (typeof b !== 'object' || b === null || Array.isArray(b)) {
      return error('FailedOperation.JsonParseFail', 'the body is not a JSON object');
    }
    const body = b as Record<string, unknown>;
    return action === 'SendSms'
      ? sendSms(body)
      : action === 'PullSmsSendStatus'
        ? pull(body)
        : pullByNumber(body);
  };

  const http = await startFakeHttp((req) => {
    const reply = answer(req);
    return delayMs > 0 ? { ...reply, delayMs } : reply;
  });

  return Object.freeze({
    baseUrl: http.url,
    secretId,
    secretKey,
    sdkAppId,
    signName: [...signNames][0] ?? '',
    templates,
    calls: (action: TencentAction) => calls.get(action) ?? 0,
    requests: http.requests,
    sent,
    sentTo: (number: string) => sent.filter((s) => s.phoneNumber === number).length,
    failNext(f: FakeFailure, o: { times?: number; action?: TencentAction; after?: number } = {}) {
      failures.push({ f, skip: o.after ?? 0, left: o.times ?? 1, action: o.action ?? 'SendSms' });
    },
    failAlways(f: FakeFailure, action: TencentAction = 'SendSms') {
      failures.push({ f, skip: 0, left: Number.POSITIVE_INFINITY, action });
    },
    recover() {
      failures = [];
    },
    failNumber(number: string, code = 'InvalidParameterValue.IncorrectPhoneNumber') {
      numberCodes.set(number, code);
    },
    delay(ms: number) {
      delayMs = ms;
    },
    receiptFor(number: string, status: FakeReceiptStatus) {
      receiptStatus.set(number, status);
    },
    get queued() {
      return queue.length;
    },
    callbackBody(sends: readonly FakeSms[] = sent) {
      const bySerial = new Map(receipts.map((r) => [r.serialNo, r]));
      return JSON.stringify(
        sends.map((s) => {
          const r = bySerial.get(s.serialNo) ?? { ...DELIVERED, at: s.at };
          const { cc, national } = split(s.phoneNumber);
          return {
            user_receive_time: shanghaiText(r.at),
            nationcode: cc,
            mobile: national,
            report_status: r.status,
            errmsg: r.errmsg,
            description: r.description,
            sid: s.serialNo,
          };
        }),
      );
    },
    close: () => http.close(),
  });
}
