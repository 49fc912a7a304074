import type { KeyObject } from 'node:crypto';
import { failure, type SendFailure } from '../../definition.ts';
import { asHttpError, statusClass } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { HttpRequest, Kit } from '../../kit/types.ts';
import type { AlipayMiniprogramConfig } from './config.ts';
import { ALIPAY_MINIPROGRAM_ERRORS, BAD_RESPONSE, BAD_SIGNATURE, fallbackClass } from './errors.ts';
import { parsePrivateKey, parsePublicKey } from './keys.ts';
import { beijingTimestamp, rsa2Sign, signContent, signedNode, verifyNode } from './sign.ts';

/**
 * The Alipay OpenAPI v2 gateway conventions every call shares (PROVIDERS.md §10b.3–10b.6): a
 * POST to `gateway.do` with the common parameters in the query and `biz_content` in a form body,
 * all signed RSA2 with the app key; answers are HTTP 200 JSON whose `…_response` member carries
 * `code` (`10000` = success) and `sub_code`, signed by Alipay. An answer is acted on only when its
 * signature verifies with the Alipay public key (unsigned refusals excepted, as Alipay's SDKs
 * accept them: the gateway does not sign some, e.g. an unknown app id).
 */

/** An answer's response member, verified (`code` `10000`, no `sub_code`). */
export type AlipayNode = Readonly<{ code: string; msg?: string } & Record<string, unknown>>;

/**
 * A call's result: the verified success member, or the failure it came to; a refusal Alipay
 * answered also names its gateway `code` and whether its signature verified (`signed`).
 */
export type CallResult =
  | Readonly<{ ok: true; node: AlipayNode }>
  | (SendFailure & Readonly<{ gatewayCode?: string; signed?: boolean }>);

/** How a call is made. */
export type CallOptions = Readonly<{
  /** The call may send a message: an answer that cannot be read or trusted leaves it in doubt. */
  sends?: boolean;
}>;

/** A signed caller of gateway methods for one account. */
export type AlipayApi = Readonly<{
  call(method: string, bizContent: string, opts?: CallOptions): Promise<CallResult>;
}>;

/** The common parameters of one call (§10b.3), `sign` not yet added. */
export function commonParams(
  appId: string,
  method: string,
  bizContent: string,
  now: number,
): Record<string, string> {
  return {
    app_id: appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: beijingTimestamp(now),
    version: '1.0',
    biz_content: bizContent,
  };
}

/**
 * The signed HTTP request of one call: common parameters and `sign` in the query (where Alipay's
 * SDKs put them), `biz_content` in an `application/x-www-form-urlencoded` body. Both are signed
 * together; URL encoding happens only here, after signing.
 *
 * @example await kit.http.request(signedRequest(config.baseUrl, config.appId, key, method, biz, kit.now()))
 */
export function signedRequest(
  baseUrl: string,
  appId: string,
  key: KeyObject,
  method: string,
  bizContent: string,
  now: number,
): HttpRequest {
  const { biz_content, ...common } = commonParams(appId, method, bizContent, now);
  const sign = rsa2Sign(signContent({ ...common, biz_content }), key);
  const url = new URL(baseUrl);
  for (const [k, v] of Object.entries({ ...common, sign })) url.searchParams.set(k, v);
  return {
    method: 'POST',
    url: url.toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
      accept: 'application/json',
    },
    body: new URLSearchParams({ biz_content: biz_content! }).toString(),
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A signed gateway caller for one account (timestamps from `kit.now()`). Keys are read once.
 * Transport failures keep the kit's codes (timeouts and resets in doubt); a refusal is classified
 * by its `sub_code`, else its `code` ({@link ALIPAY_MINIPROGRAM_ERRORS}).
 *
 * @example
 * const api = createAlipayApi(config, kit);
 * const r = await api.call('alipay.open.app.mini.templatemessage.send', biz, { sends: true });
 */
export function createAlipayApi(config: AlipayMiniprogramConfig, kit: Kit): AlipayApi {
  const appKey = parsePrivateKey(config.privateKey);
  const alipayKey = parsePublicKey(config.alipayPublicKey);
  // The bare Base64 body too: a key pasted without its PEM lines is quoted that way.
  const secrets = [config.privateKey, config.privateKey.replace(/-----[A-Z ]+-----|\s+/g, '')];
  const fail = (code: string, message: string, opts: Parameters<typeof failure>[3] = {}) =>
    failure(ALIPAY_MINIPROGRAM_ERRORS, code, scrub(message, secrets), opts);

  return Object.freeze({
    async call(method, bizContent, opts = {}): Promise<CallResult> {
      const doubt = opts.sends ? { inDoubt: true } : {};
      let res: Awaited<ReturnType<Kit['http']['request']>>;
      try {
        res = await kit.http.request({
          ...signedRequest(config.baseUrl, config.appId, appKey, method, bizContent, kit.now()),
          timeoutMs: config.timeoutMs,
        });
      } catch (err) {
        const e = asHttpError(err);
        return fail(e.code, e.message, { fallback: e.retryable ? 'retryable' : 'permanent' });
      }
      if (res.status !== 200) {
        return fail(`HTTP_${res.status}`, res.body.slice(0, 200) || `HTTP ${res.status}`, {
          fallback: statusClass(res.status),
        });
      }
      const node = signedNode(res.body, method);
      let parsed: Partial<AlipayNode> | undefined;
      try {
        parsed = node ? (JSON.parse(node.raw) as Partial<AlipayNode>) : undefined;
      } catch {
        parsed = undefined;
      }
      const code = str(parsed?.code);
      if (!node || !parsed || typeof parsed !== 'object' || !code) {
        return fail(BAD_RESPONSE, `${method} answered without a response code`, doubt);
      }
      const subCode = str(parsed.sub_code);
      const success = code === '10000' && !subCode;
      // Success must be signed; a refusal is checked when it carries a sign (Alipay's SDKs do the same).
      if ((success || node.sign) && !verifyNode(node, alipayKey)) {
        const why = node.sign ? 'does not verify with the Alipay public key' : 'is not signed';
        return fail(BAD_SIGNATURE, `the answer to ${method} ${why} (code ${code})`, doubt);
      }
      if (success) return { ok: true, node: parsed as AlipayNode };
      const text = [
        str(parsed.sub_msg) ?? str(parsed.msg) ?? 'refused',
        `(${code}${subCode ? ` ${subCode}` : ''})`,
      ];
      return Object.freeze({
        ...fail(subCode ?? code, text.join(' '), { fallback: fallbackClass(code, subCode) }),
        gatewayCode: code,
        signed: node.sign !== undefined,
      });
    },
  });
}
