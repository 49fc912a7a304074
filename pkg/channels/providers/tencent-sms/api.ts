import type { ErrorClass, SendFailure } from '../../definition.ts';
import { asHttpError } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { HttpResponse, Kit } from '../../kit/types.ts';
import type { TencentSmsConfig } from './config.ts';
import { BAD_RESPONSE, tencentFailure } from './errors.ts';
import { tc3Sign } from './sign.ts';

/**
 * The API 3.0 conventions every SMS call shares (PROVIDERS.md §1.1, §1.5): a signed JSON POST to
 * `/` naming the action in `X-TC-Action`; the answer is HTTP 200 with `{"Response": {…}}`, which
 * holds `Error: { Code, Message }` when the call as a whole failed.
 */

export const TENCENT_SMS_VERSION = '2021-01-11';
export const TENCENT_SMS_SERVICE = 'sms';
const CONTENT_TYPE = 'application/json; charset=utf-8';

/** The SMS actions this client calls. */
export type TencentAction = 'SendSms' | 'PullSmsSendStatus' | 'PullSmsSendStatusByPhoneNumber';

/** The `Response` object of a successful call (its fields depend on the action). */
export type TencentResponse = Readonly<Record<string, unknown>>;

/** A call's result: Tencent's `Response` without `Error`, or the failure it came to. */
export type CallResult = Readonly<{ ok: true; response: TencentResponse }> | SendFailure;

/** Class of an answer that is not Tencent's JSON, by HTTP status. */
const statusClass = (status: number): ErrorClass =>
  status === 429 ? 'rate_limited' : status >= 500 ? 'retryable' : 'permanent';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The API of one account: `call(action, payload)` signs with TC3-HMAC-SHA256 at the kit's clock
 * and reads the answer. The signed `host` is the host of `baseUrl`, exactly the Host header the
 * HTTP client sends (with the port when it is not the default one).
 *
 * @example
 * const api = tencentApi(config, kit);
 * const r = await api.call('PullSmsSendStatus', { Limit: 100, SmsSdkAppId: config.sdkAppId });
 * if (r.ok) r.response.PullSmsSendStatusSet // [...]
 */
export function tencentApi(config: TencentSmsConfig, kit: Kit) {
  const url = new URL(config.baseUrl.replace(/\/+$/, '') + '/');
  const secrets = [config.secretKey];

  const read = (res: HttpResponse): CallResult => {
    const body = res.json();
    const response = isObject(body) && isObject(body.Response) ? body.Response : undefined;
    const error = response && isObject(response.Error) ? response.Error : undefined;
    const code = typeof error?.Code === 'string' ? error.Code : undefined;
    const message = scrub(typeof error?.Message === 'string' ? error.Message : '', secrets);
    if (res.status !== 200) {
      const text = message || scrub(res.body.slice(0, 200), secrets) || `HTTP ${res.status}`;
      return tencentFailure(`HTTP_${res.status}`, text, statusClass(res.status));
    }
    if (!response)
      return tencentFailure(BAD_RESPONSE, 'answer is not a Tencent Cloud {"Response": …} object');
    if (error) return tencentFailure(code ?? BAD_RESPONSE, message || 'error without a message');
    return { ok: true, response };
  };

  return Object.freeze({
    async call(action: TencentAction, payload: Readonly<Record<string, unknown>>): Promise<CallResult> {
      const body = JSON.stringify(payload);
      const timestamp = Math.floor(kit.now() / 1000);
      const signed = tc3Sign({
        secretId: config.secretId,
        secretKey: config.secretKey,
        service: TENCENT_SMS_SERVICE,
        timestamp,
        path: url.pathname,
        headers: { 'content-type': CONTENT_TYPE, host: url.host, 'x-tc-action': action },
        payload: body,
      });
      let res: HttpResponse;
      try {
        res = await kit.http.request({
          method: 'POST',
          url: url.href,
          timeoutMs: config.timeoutMs,
          headers: {
            authorization: signed.authorization,
            'content-type': CONTENT_TYPE,
            'x-tc-action': action,
            'x-tc-timestamp': String(timestamp),
            'x-tc-version': TENCENT_SMS_VERSION,
            'x-tc-region': config.region,
          },
          body,
        });
      } catch (err) {
        const e = asHttpError(err);
        return tencentFailure(e.code, scrub(e.message, secrets), e.retryable ? 'retryable' : 'permanent');
      }
      return read(res);
    },
  });
}

/** The client of one account's API (see {@link tencentApi}). */
export type TencentApi = ReturnType<typeof tencentApi>;
