import type { KeyObject } from 'node:crypto';
import type { FakeReply, FakeRequest } from '../../../testkit/fake-http.ts';
import { parseBeijingTimestamp, rsa2Sign, rsa2Verify, signContent } from './sign.ts';

/**
 * Test-only: the Alipay OpenAPI v2 gateway as the fake plays it (PROVIDERS.md §10b.3–10b.6, 10b.8):
 * the common-parameter checks and the request signature, and answers built the way Alipay builds
 * them, signed with the fake's own Alipay key over the exact text of their `…_response` member.
 */

/** The gateway `msg` of each code (§10b.8). */
export const GATEWAY_MSG: Readonly<Record<string, string>> = Object.freeze({
  '10000': 'Success',
  '20000': 'Service Currently Unavailable',
  '20001': 'Insufficient Token Permissions',
  '40001': 'Missing Required Arguments',
  '40002': 'Invalid Arguments',
  '40004': 'Business Failed',
  '40005': 'Call Limited',
  '40006': 'Insufficient Permissions',
});

/** A response member: `code`, `msg`, and on refusals `sub_code` / `sub_msg`; business fields beside. */
export type FakeNode = Readonly<
  { code: string; msg?: string; sub_code?: string; sub_msg?: string } & Record<string, unknown>
>;

/** How an answer leaves the fake; `bad_signature` / `unsigned` / `not_json` spoil it on command. */
export type AnswerStyle = Readonly<{
  /** Write `/` as `\/` in the text while signing the unescaped text (Alipay's JSON may do so). */
  escapeSlashes?: boolean;
  spoil?: 'bad_signature' | 'unsigned' | 'not_json';
}>;

/** `alipay.a.b` → `alipay_a_b_response`; no method → `error_response`. */
export const responseKey = (method: string | undefined): string =>
  method ? `${method.replaceAll('.', '_')}_response` : 'error_response';

/**
 * An answer as Alipay sends it: `{"<key>":<node>,"sign":"…"}`, signed over the node's text;
 * `error_response` answers are unsigned (as the gateway sends an unknown app id's).
 *
 * @example answer(alipayKey, 'alipay.open.app.mini.templatemessage.send', { code: '10000', msg: 'Success' })
 */
export function answer(
  key: KeyObject,
  method: string | undefined,
  node: FakeNode,
  style: AnswerStyle = {},
): FakeReply {
  const name = responseKey(method);
  const { code, msg, ...rest } = node;
  const text = JSON.stringify({ code, msg: msg ?? GATEWAY_MSG[code], ...rest });
  const out = style.escapeSlashes ? text.replaceAll('/', '\\/') : text;
  const headers = { 'content-type': 'application/json;charset=utf-8' };
  if (style.spoil === 'not_json')
    return { status: 200, headers, body: '<html><body>502 Bad Gateway</body></html>' };
  let sign = name === 'error_response' || style.spoil === 'unsigned' ? undefined : rsa2Sign(text, key);
  // Another valid Base64 signature of the same length: verification fails, parsing does not.
  if (sign && style.spoil === 'bad_signature') sign = `${sign[0] === 'A' ? 'B' : 'A'}${sign.slice(1)}`;
  const body = sign ? `{"${name}":${out},"sign":"${sign}"}` : `{"${name}":${out}}`;
  return { status: 200, headers, body };
}

/** What the gateway needs to check a request. */
export type GatewayState = Readonly<{
  appId: string;
  /** The app public key uploaded to the console: verifies request signatures. */
  appPublicKey: KeyObject;
  methods: ReadonlySet<string>;
  now: () => number;
  timestampWindowMs: number;
}>;

/** A request that passed the gateway: its method, parameters and parsed `biz_content`. */
export type GatewayPass = Readonly<{ ok: true; method: string; params: Readonly<Record<string, string>> }>;
/** A refusal: the member to answer and the method it answers (none: `error_response`). */
export type GatewayRefusal = Readonly<{ ok: false; method?: string; node: FakeNode }>;

const refuse = (
  method: string | undefined,
  code: string,
  subCode: string,
  subMsg: string,
): GatewayRefusal => ({
  ok: false,
  ...(method ? { method } : {}),
  node: { code, msg: GATEWAY_MSG[code], sub_code: subCode, sub_msg: subMsg },
});

/** Query and form body parameters together (the gateway reads both; the query wins a clash). */
function paramsOf(req: FakeRequest): Record<string, string> {
  const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ? Object.fromEntries(new URLSearchParams(req.body))
    : {};
  return { ...form, ...req.query };
}

/**
 * The gateway's checks, in the order a refusal names the first problem: method, app id, sign
 * type, sign, timestamp (format and window ❓: Alipay does not publish its window), version,
 * charset, format, then the RSA2 signature over every parameter but `sign`. A bad signature's
 * `sub_msg` echoes the string the gateway verified, `&` as `&amp;`, as Alipay's does.
 *
 * @example const r = checkGateway(state, req); if (!r.ok) return answer(alipayKey, r.method, r.node);
 */
export function checkGateway(state: GatewayState, req: FakeRequest): GatewayPass | GatewayRefusal {
  const p = paramsOf(req);
  const method = p.method;
  if (!method) return refuse(undefined, '40001', 'isv.missing-method', '缺少方法名参数');
  if (!state.methods.has(method)) return refuse(undefined, '40002', 'isv.invalid-method', '不存在的方法名');
  if (!p.app_id) return refuse(method, '40001', 'isv.missing-app-id', '缺少AppID参数');
  if (p.app_id !== state.appId) return refuse(undefined, '40002', 'isv.invalid-app-id', '无效的AppID参数');
  if (!p.sign_type) return refuse(method, '40001', 'isv.missing-signature-type', '缺少签名类型参数');
  if (p.sign_type !== 'RSA2') return refuse(method, '40002', 'isv.invalid-signature-type', '无效的签名类型');
  if (!p.sign) return refuse(method, '40001', 'isv.missing-signature', '缺少签名参数');
  if (!p.timestamp) return refuse(method, '40001', 'isv.missing-timestamp', '缺少时间戳参数');
  const at = parseBeijingTimestamp(p.timestamp);
  if (at === undefined || Math.abs(state.now() - at) > state.timestampWindowMs) {
    return refuse(method, '40002', 'isv.invalid-timestamp', '非法的时间戳参数');
  }
  if (!p.version) return refuse(method, '40001', 'isv.missing-version', '缺少版本参数');
  if (p.version !== '1.0') return refuse(method, '40002', 'isv.invalid-parameter', '无效的版本参数');
  if ((p.charset ?? '').toLowerCase() !== 'utf-8')
    return refuse(method, '40002', 'isv.invalid-charset', '字符集错误');
  if (p.format !== undefined && p.format.toUpperCase() !== 'JSON') {
    return refuse(method, '40002', 'isv.invalid-parameter', 'format 只支持 JSON');
  }
  const content = signContent(p);
  if (!rsa2Verify(content, p.sign, state.appPublicKey)) {
    return refuse(
      method,
      '40002',
      'isv.invalid-signature',
      `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content.replaceAll('&', '&amp;')}`,
    );
  }
  return { ok: true, method, params: p };
}
