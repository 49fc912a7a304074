import { signing } from '../../kit/signing.ts';

/**
 * Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256 (PROVIDERS.md §1.2), step by step as
 * the signature v3 document gives it. The client signs with it and the fake verifies with it, so
 * both are checked against the official vectors of §1.3 (sign.test.ts).
 */

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

/** What one signature covers. `headers` are the ones to sign (at least `content-type` and `host`). */
export type Tc3Input = Readonly<{
  secretId: string;
  secretKey: string;
  /** The product, e.g. `sms`. */
  service: string;
  /** `X-TC-Timestamp`, Unix seconds. */
  timestamp: number;
  /** Default `POST`. */
  method?: string;
  /** Canonical URI, default `/`. */
  path?: string;
  /** Canonical query string, `''` for POST. */
  query?: string;
  headers: Readonly<Record<string, string>>;
  /** The exact body bytes sent (`''` for GET). */
  payload: string | Buffer;
}>;

/** Every intermediate value of a signature (tests compare them with the official ones). */
export type Tc3Signature = Readonly<{
  authorization: string;
  signature: string;
  signedHeaders: string;
  canonicalRequest: string;
  hashedCanonicalRequest: string;
  stringToSign: string;
  credentialScope: string;
  hashedPayload: string;
  date: string;
}>;

const hex = (data: string | Buffer): string => signing.hash('sha256', data).toString('hex');

/**
 * The UTC date (`yyyy-MM-dd`) of a timestamp: the `Date` of the credential scope.
 *
 * @example tc3Date(1551113065) // '2019-02-25'
 */
export const tc3Date = (timestamp: number): string => new Date(timestamp * 1000).toISOString().slice(0, 10);

/**
 * The derived keys of step 7: each HMAC's raw bytes are the next one's key.
 *
 * @example tc3SigningKeys(secretKey, '2019-02-25', 'cvm').secretSigning.toString('hex')
 */
export function tc3SigningKeys(
  secretKey: string,
  date: string,
  service: string,
): Readonly<{ secretDate: Buffer; secretService: Buffer; secretSigning: Buffer }> {
  const secretDate = signing.hmac('sha256', `TC3${secretKey}`, date);
  const secretService = signing.hmac('sha256', secretDate, service);
  const secretSigning = signing.hmac('sha256', secretService, 'tc3_request');
  return { secretDate, secretService, secretSigning };
}

/**
 * Canonical headers and signed-header names: names and values lower-cased and trimmed (the
 * official demo signs `x-tc-action:describeinstances`), sorted by name.
 *
 * @example canonicalHeaders({ Host: 'sms.tencentcloudapi.com', 'Content-Type': 'application/json' })
 * // { canonical: 'content-type:application/json\nhost:sms.tencentcloudapi.com\n', signed: 'content-type;host' }
 */
export function canonicalHeaders(headers: Readonly<Record<string, string>>): {
  canonical: string;
  signed: string;
} {
  const entries = Object.entries(headers)
    .map(([k, v]) => [k.trim().toLowerCase(), v.trim().toLowerCase()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    canonical: entries.map(([k, v]) => `${k}:${v}\n`).join(''),
    signed: entries.map(([k]) => k).join(';'),
  };
}

/**
 * Signs one request: the `Authorization` header value and everything it was built from.
 *
 * @example
 * const s = tc3Sign({ secretId, secretKey, service: 'sms', timestamp: 1700000000, payload: body,
 *   headers: { 'content-type': 'application/json; charset=utf-8', host: 'sms.tencentcloudapi.com', 'x-tc-action': 'SendSms' } });
 * // s.authorization === 'TC3-HMAC-SHA256 Credential=AKID…/2023-11-14/sms/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=…'
 */
export function tc3Sign(input: Tc3Input): Tc3Signature {
  const { canonical, signed } = canonicalHeaders(input.headers);
  const hashedPayload = hex(input.payload);
  const canonicalRequest = [
    input.method ?? 'POST',
    input.path ?? '/',
    input.query ?? '',
    canonical,
    signed,
    hashedPayload,
  ].join('\n');
  const date = tc3Date(input.timestamp);
  const credentialScope = `${date}/${input.service}/tc3_request`;
  const hashedCanonicalRequest = hex(canonicalRequest);
  const stringToSign = [TC3_ALGORITHM, String(input.timestamp), credentialScope, hashedCanonicalRequest].join(
    '\n',
  );
  const { secretSigning } = tc3SigningKeys(input.secretKey, date, input.service);
  const signature = signing.hmac('sha256', secretSigning, stringToSign).toString('hex');
  return Object.freeze({
    authorization: `${TC3_ALGORITHM} Credential=${input.secretId}/${credentialScope}, SignedHeaders=${signed}, Signature=${signature}`,
    signature,
    signedHeaders: signed,
    canonicalRequest,
    hashedCanonicalRequest,
    stringToSign,
    credentialScope,
    hashedPayload,
    date,
  });
}

/** An `Authorization` header taken apart (the fake's side of the check). */
export type Tc3Authorization = Readonly<{
  secretId: string;
  date: string;
  service: string;
  signedHeaders: readonly string[];
  signature: string;
}>;

const AUTH =
  /^TC3-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Reads an `Authorization: TC3-HMAC-SHA256 …` header; `undefined` when it is not one.
 *
 * @example parseTc3Authorization(s.authorization)?.signedHeaders // ['content-type', 'host', 'x-tc-action']
 */
export function parseTc3Authorization(header: string | undefined): Tc3Authorization | undefined {
  const m = header ? AUTH.exec(header.trim()) : null;
  if (!m) return undefined;
  return Object.freeze({
    secretId: m[1]!,
    date: m[2]!,
    service: m[3]!,
    signedHeaders: Object.freeze(m[4]!.split(';')),
    signature: m[5]!,
  });
}
