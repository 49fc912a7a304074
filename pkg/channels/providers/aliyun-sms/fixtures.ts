import { randomUUID } from 'node:crypto';
import type { FakeReply, FakeRequest } from '../../../testkit/fake-http.ts';
import { signing } from '../../kit/signing.ts';
import { ALIYUN_SMS_VERSION } from './api.ts';
import { ACS3, acs3PayloadHash, acs3Sign, rpcSignature, rpcStringToSign } from './sign.ts';

/**
 * The API gateway half of the fake (test-only): what Alibaba's POP gateway checks before an
 * action runs (PROVIDERS.md §2.2, §2.3, §2.8) — the signature of either kind, a timestamp
 * within 15 minutes, a nonce never seen before, a known AccessKey and the API version — and
 * the answer shapes it refuses with. Codes are Alibaba's where §2.8 names them; the ones it
 * does not (❓: `Missing<Param>`, `InvalidVersion`, `InvalidTimeStamp.Format`) follow the
 * gateway's naming pattern.
 */

/** The gateway's window on `Timestamp` / `x-acs-date`. */
export const CLOCK_WINDOW_MS = 15 * 60_000;

/** A request the gateway let through: the action, its parameters and which signature it had. */
export type GatewayPass = Readonly<{
  ok: true;
  action: string;
  params: Readonly<Record<string, string>>;
  kind: 'acs3' | 'rpc';
}>;
/** A refusal: status and Alibaba code. */
export type GatewayRefusal = Readonly<{ ok: false; status: number; code: string; message: string }>;

/**
 * A gateway error answer: a non-200 status with `{ RequestId, HostId, Code, Message, Recommend }`.
 *
 * @example gatewayError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched …')
 */
export const gatewayError = (status: number, code: string, message: string): FakeReply => ({
  status,
  body: {
    RequestId: randomUUID().toUpperCase(),
    HostId: 'dysmsapi.aliyuncs.com',
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Dysmsapi`,
  },
});

/**
 * An action's answer: HTTP 200 with `{ Code, Message, RequestId, … }` (`OK` = success).
 *
 * @example actionAnswer('OK', 'OK', { BizId: '123^0' })
 */
export const actionAnswer = (
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): FakeReply => ({
  status: 200,
  body: { Code: code, Message: message, RequestId: randomUUID().toUpperCase(), ...extra },
});

const refuse = (status: number, code: string, message: string): GatewayRefusal => ({
  ok: false,
  status,
  code,
  message,
});

/** Query and (form) body parameters together: the gateway reads RPC parameters from both. */
function paramsOf(req: FakeRequest): Record<string, string> {
  const out: Record<string, string> = { ...req.query };
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(req.body)) out[k] = v;
  }
  return out;
}

/** The gateway's state: keys it knows, nonces seen, its clock. */
export type GatewayState = Readonly<{
  keys: ReadonlyMap<string, string>;
  nonces: Set<string>;
  now: () => number;
}>;

/** Timestamp format and window check; undefined when fine. */
function clockError(text: string | undefined, now: number): GatewayRefusal | undefined {
  if (
    !text ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(text) ||
    Number.isNaN(Date.parse(text))
  ) {
    return refuse(
      400,
      'InvalidTimeStamp.Format',
      'Specified time stamp or date value is not well formatted.',
    );
  }
  if (Math.abs(now - Date.parse(text)) > CLOCK_WINDOW_MS) {
    return refuse(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
  }
  return undefined;
}

/** Nonce check (after the signature, so only a signed request can spend a nonce). */
function nonceError(state: GatewayState, keyId: string, nonce: string): GatewayRefusal | undefined {
  const key = `${keyId}\u0000${nonce}`;
  if (state.nonces.has(key))
    return refuse(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
  state.nonces.add(key);
  return undefined;
}

const RPC_REQUIRED = [
  'AccessKeyId',
  'Action',
  'SignatureMethod',
  'SignatureNonce',
  'SignatureVersion',
  'Timestamp',
  'Version',
];

function verifyRpc(req: FakeRequest, state: GatewayState): GatewayPass | GatewayRefusal {
  const params = paramsOf(req);
  for (const name of RPC_REQUIRED) {
    if (!params[name]) return refuse(400, `Missing${name}`, `${name} is mandatory for this action.`);
  }
  const secret = state.keys.get(params.AccessKeyId!);
  if (secret === undefined)
    return refuse(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0') {
    return refuse(400, 'IncompleteSignature', 'SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.');
  }
  if (params.Version !== ALIYUN_SMS_VERSION)
    return refuse(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
  const clock = clockError(params.Timestamp, state.now());
  if (clock) return clock;
  const expected = rpcSignature(req.method, params, secret);
  if (!signing.safeEqual(params.Signature ?? '', expected)) {
    return refuse(
      400,
      'SignatureDoesNotMatch',
      `Specified signature is not matched with our calculation. server string to sign is:${rpcStringToSign(req.method, params)}`,
    );
  }
  const nonce = nonceError(state, params.AccessKeyId!, params.SignatureNonce!);
  if (nonce) return nonce;
  const { Signature: _, ...rest } = params;
  return { ok: true, action: params.Action!, params: rest, kind: 'rpc' };
}

const ACS3_REQUIRED = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];
const AUTHORIZATION =
  /^ACS3-HMAC-SHA256 Credential=([^,\s]+),SignedHeaders=([^,\s]+),Signature=([0-9a-f]{64})$/;

function verifyAcs3(req: FakeRequest, state: GatewayState): GatewayPass | GatewayRefusal {
  const m = AUTHORIZATION.exec(req.headers.authorization ?? '');
  if (!m)
    return refuse(
      400,
      'IncompleteSignature',
      `The Authorization header is not ${ACS3} Credential=…,SignedHeaders=…,Signature=…`,
    );
  const [, keyId, signedList, signature] = m as unknown as [string, string, string, string];
  const signed = signedList.split(';');
  const mustSign = [
    ...ACS3_REQUIRED,
    ...Object.keys(req.headers).filter((h) => h.startsWith('x-acs-') || h === 'content-type'),
  ];
  for (const name of mustSign) {
    if (!req.headers[name]) return refuse(400, 'IncompleteSignature', `The header ${name} is missing.`);
    if (!signed.includes(name))
      return refuse(400, 'IncompleteSignature', `The header ${name} is not signed.`);
  }
  const secret = state.keys.get(keyId);
  if (secret === undefined)
    return refuse(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  if (req.headers['x-acs-version'] !== ALIYUN_SMS_VERSION) {
    return refuse(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
  }
  const clock = clockError(req.headers['x-acs-date'], state.now());
  if (clock) return clock;
  if (req.headers['x-acs-content-sha256'] !== acs3PayloadHash(req.body)) {
    return refuse(400, 'SignatureDoesNotMatch', 'x-acs-content-sha256 does not match the request body.');
  }
  const headers = Object.fromEntries(signed.map((h) => [h, req.headers[h] ?? '']));
  const expected = acs3Sign(
    { method: req.method, path: req.path, query: req.query, headers, body: req.body },
    secret,
  );
  if (!signing.safeEqual(signature, expected.signature)) {
    return refuse(
      400,
      'SignatureDoesNotMatch',
      `Specified signature is not matched with our calculation. server string to sign is:${ACS3}\n${expected.canonicalRequestHash}`,
    );
  }
  const nonce = nonceError(state, keyId, req.headers['x-acs-signature-nonce']!);
  if (nonce) return nonce;
  return { ok: true, action: req.headers['x-acs-action']!, params: paramsOf(req), kind: 'acs3' };
}

/**
 * What the gateway makes of a request: V3 when it carries an ACS3 `Authorization`, else RPC
 * (parameters with `Signature`).
 *
 * @example
 * const g = verifyGateway(req, { keys: new Map([['id', 'secret']]), nonces: new Set(), now: Date.now });
 * if (!g.ok) return gatewayError(g.status, g.code, g.message);
 */
export function verifyGateway(req: FakeRequest, state: GatewayState): GatewayPass | GatewayRefusal {
  if ((req.headers.authorization ?? '').startsWith(`${ACS3} `)) return verifyAcs3(req, state);
  if (!paramsOf(req).Signature) return refuse(400, 'IncompleteSignature', 'The request is not signed.');
  return verifyRpc(req, state);
}
