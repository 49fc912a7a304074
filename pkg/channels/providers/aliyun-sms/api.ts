import { randomBytes, randomUUID } from 'node:crypto';
import type { SendFailure } from '../../definition.ts';
import { failure } from '../../definition.ts';
import { transportFailure } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { HttpRequest, Kit } from '../../kit/types.ts';
import type { AliyunSmsConfig } from './config.ts';
import { ALIYUN_SMS_ERRORS, BAD_RESPONSE, fallbackClass } from './errors.ts';
import { acs3Authorization, acs3PayloadHash, acs3Sign, canonicalQuery, rpcSignature } from './sign.ts';
import { isoSeconds } from './time.ts';

/**
 * The dysmsapi HTTP conventions every call shares (PROVIDERS.md §2.1–2.3, 2.8): RPC-style
 * actions at `/`, signed per the account's `signatureVersion`, answered with JSON whose `Code`
 * is `OK` on success; the gateway refuses with a non-200 status and `{ Code, Message, … }`.
 * Nothing that reaches an outcome or a log may carry the AccessKey secret.
 */

/** The dysmsapi API version. */
export const ALIYUN_SMS_VERSION = '2017-05-25';

/** An Alibaba answer (`Code` `OK` = success; the other fields depend on the action). */
export type AliyunAnswer = Readonly<{ Code: string; Message: string } & Record<string, unknown>>;

/** A call's result: an answer with `Code` `OK`, or the failure it came to. */
export type CallResult = Readonly<{ ok: true; answer: AliyunAnswer }> | SendFailure;

/** How a call travels beyond its query parameters. */
export type CallOptions = Readonly<{
  /** Parameters the action takes in a form body (SendBatchSms' JSON arrays), not the query. */
  body?: Readonly<Record<string, string>>;
  /** The call may send messages: a 200 answer that cannot be read leaves it in doubt. */
  sends?: boolean;
}>;

/** A signed caller of dysmsapi actions for one account. */
export type AliyunApi = Readonly<{
  /** Calls `action` with its query parameters (and form-body ones, see {@link CallOptions}). */
  call(action: string, params: Readonly<Record<string, string>>, opts?: CallOptions): Promise<CallResult>;
}>;

const FORM = 'application/x-www-form-urlencoded';

/**
 * The signed HTTP request of one action: a POST whose parameters travel where Alibaba's own SDK
 * (alibabacloud-typescript-sdk, dysmsapi-20170525) puts them: the query string, plus a form body
 * for SendBatchSms' JSON arrays. RPC adds the common parameters and `Signature` (signed over
 * query and body parameters together); V3 moves action, version, date and nonce into `x-acs-*`
 * headers and signs them, the query and the body's hash in `Authorization`.
 *
 * @example
 * const req = signedRequest(config, 'SendSms', { PhoneNumbers: '13800138000', … }, kit.now(), 'nonce-1');
 * await kit.http.request(req);
 */
export function signedRequest(
  config: AliyunSmsConfig,
  action: string,
  params: Readonly<Record<string, string>>,
  now: number,
  nonce: string,
  form: Readonly<Record<string, string>> = {},
): HttpRequest {
  const url = new URL(config.baseUrl);
  const base = `${url.origin}${url.pathname}`;
  const body = Object.keys(form).length > 0 ? canonicalQuery(form) : undefined;
  const withBody = (req: HttpRequest): HttpRequest =>
    body === undefined ? req : { ...req, headers: { ...req.headers, 'content-type': FORM }, body };
  if (config.signatureVersion === 'rpc') {
    const all: Record<string, string> = {
      ...params,
      AccessKeyId: config.accessKeyId,
      Action: action,
      Format: 'JSON',
      RegionId: config.regionId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: nonce,
      SignatureVersion: '1.0',
      Timestamp: isoSeconds(now),
      Version: ALIYUN_SMS_VERSION,
    };
    all.Signature = rpcSignature('POST', { ...form, ...all }, config.accessKeySecret);
    return withBody({ method: 'POST', url: `${base}?${canonicalQuery(all)}` });
  }
  const headers: Record<string, string> = {
    host: url.host,
    'x-acs-action': action,
    'x-acs-version': ALIYUN_SMS_VERSION,
    'x-acs-date': isoSeconds(now),
    'x-acs-signature-nonce': nonce,
    'x-acs-content-sha256': acs3PayloadHash(body ?? ''),
    ...(body === undefined ? {} : { 'content-type': FORM }),
  };
  const signed = acs3Sign(
    { method: 'POST', path: url.pathname, query: params, headers, body: body ?? '' },
    config.accessKeySecret,
  );
  headers.authorization = acs3Authorization(config.accessKeyId, signed.signedHeaders, signed.signature);
  return withBody({ method: 'POST', url: `${base}?${canonicalQuery(params)}`, headers });
}

/** A fresh nonce per request: a UUID for RPC, 32 hex digits for V3 (both as Alibaba's SDKs make them). */
const newNonce = (config: AliyunSmsConfig): string =>
  config.signatureVersion === 'rpc' ? randomUUID() : randomBytes(16).toString('hex');

/** `Message` of an answer with its RequestId (what Alibaba support asks for), secrets scrubbed. */
function describe(body: Partial<AliyunAnswer>, fallback: string, secrets: readonly string[]): string {
  const text = typeof body.Message === 'string' && body.Message ? body.Message : fallback;
  const id = typeof body.RequestId === 'string' && body.RequestId ? ` (RequestId ${body.RequestId})` : '';
  return scrub(`${text}${id}`, secrets);
}

/**
 * A signed dysmsapi caller for one account (timestamps from `kit.now()`, so tests can skew
 * the clock). Transport failures keep the kit's codes (timeouts and resets in doubt); a
 * refusal's `Code` is classified by {@link ALIYUN_SMS_ERRORS}.
 *
 * @example
 * const api = createAliyunApi(config, kit);
 * const r = await api.call('QuerySendDetails', { PhoneNumber: '13800138000', SendDate: '20240101', PageSize: '1', CurrentPage: '1' });
 * if (r.ok) r.answer.TotalCount;
 */
export function createAliyunApi(config: AliyunSmsConfig, kit: Kit): AliyunApi {
  const secrets = [config.accessKeySecret];
  return Object.freeze({
    async call(action, params, opts = {}): Promise<CallResult> {
      let res: Awaited<ReturnType<Kit['http']['request']>>;
      try {
        res = await kit.http.request({
          ...signedRequest(config, action, params, kit.now(), newNonce(config), opts.body),
          timeoutMs: config.timeoutMs,
        });
      } catch (err) {
        return transportFailure(ALIYUN_SMS_ERRORS, err, secrets);
      }
      const parsed = res.json();
      const body = (parsed && typeof parsed === 'object' ? parsed : {}) as Partial<AliyunAnswer>;
      const code = typeof body.Code === 'string' && body.Code ? body.Code : undefined;
      if (res.status !== 200) {
        const c = code ?? `HTTP_${res.status}`;
        const text = describe(body, res.body.slice(0, 200) || `HTTP ${res.status}`, secrets);
        return failure(ALIYUN_SMS_ERRORS, c, text, { fallback: fallbackClass(c, res.status) });
      }
      if (!code) {
        return failure(ALIYUN_SMS_ERRORS, BAD_RESPONSE, `${action} answered without a Code`, {
          ...(opts.sends ? { inDoubt: true } : {}),
        });
      }
      if (code !== 'OK') {
        return failure(ALIYUN_SMS_ERRORS, code, describe(body, code, secrets), {
          fallback: fallbackClass(code, 200),
        });
      }
      return { ok: true, answer: { ...body, Code: code, Message: String(body.Message ?? '') } };
    },
  });
}
