import { signing } from '../../kit/signing.ts';

/**
 * Alibaba Cloud's two request signatures (PROVIDERS.md §2.2, §2.3), as pure functions shared by
 * the client and the fake: the RPC signature (HMAC-SHA1, `SignatureVersion=1.0`, parameters
 * signed as a sorted, twice-encoded query) and the V3 one (ACS3-HMAC-SHA256, a canonical request
 * over method, path, query, signed headers and the body hash, in an `Authorization` header).
 */

/** Lone UTF-16 surrogates (encodeURIComponent throws on them); replaced so signing never throws. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * RFC 3986 encoding as Alibaba Cloud signs it: UTF-8, upper-case hex, only `A–Z a–z 0–9 - _ . ~`
 * left as is (so space → `%20`, `*` → `%2A`, and `~` stays). encodeURIComponent also leaves
 * `! ' ( ) *` alone, which Alibaba encodes.
 *
 * @example percentEncode('a b*c~') // 'a%20b%2Ac~'
 * @example percentEncode('阿') // '%E9%98%BF'
 */
export function percentEncode(s: string): string {
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD')).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Parameter names in byte order (code-unit order equals byte order for the ASCII names Alibaba uses). */
const byName = ([a]: readonly [string, string], [b]: readonly [string, string]): number =>
  a < b ? -1 : a > b ? 1 : 0;

/**
 * The canonical query string both signatures use: `percentEncode(k)=percentEncode(v)` sorted by
 * name and joined with `&` (a parameter with no value becomes `k=`).
 *
 * @example canonicalQuery({ RegionId: 'cn-shanghai', ImageId: 'a b' }) // 'ImageId=a%20b&RegionId=cn-shanghai'
 */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .sort(byName)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
}

/**
 * The RPC `StringToSign`: `METHOD&%2F&percentEncode(canonicalQuery)` over every parameter but
 * `Signature` (values end up encoded twice).
 *
 * @example rpcStringToSign('GET', { Action: 'SendSms', Timestamp: '2017-07-12T02:42:19Z' })
 * // 'GET&%2F&Action%3DSendSms%26Timestamp%3D2017-07-12T02%253A42%253A19Z'
 */
export function rpcStringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const { Signature: _, ...rest } = params;
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(rest))}`;
}

/**
 * The RPC `Signature`: Base64(HMAC-SHA1(`AccessKeySecret&`, StringToSign)).
 *
 * @example rpcSignature('GET', params, 'testsecret') // 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=' (vector A)
 */
export function rpcSignature(
  method: string,
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  return signing.hmac('sha1', `${accessKeySecret}&`, rpcStringToSign(method, params)).toString('base64');
}

/** The V3 algorithm name, first in `Authorization` and in the string to sign. */
export const ACS3 = 'ACS3-HMAC-SHA256';

/** A request as V3 signs it: headers by name (any case), the body as sent. */
export type Acs3Request = Readonly<{
  method: string;
  /** The canonical URI: `/` for RPC-style APIs like dysmsapi. */
  path: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string>>;
  body: string | Buffer;
}>;

/** What a V3 signature came to, step by step (tests compare each step with the vector). */
export type Acs3Signed = Readonly<{
  canonicalRequest: string;
  /** hex(SHA256(CanonicalRequest)), the second line of the string to sign. */
  canonicalRequestHash: string;
  /** `host;x-acs-action;…`, the signed header names, sorted. */
  signedHeaders: string;
  signature: string;
}>;

/** Headers V3 signs: every `x-acs-*`, `host` and `content-type`. */
const signsHeader = (name: string): boolean =>
  name === 'host' || name === 'content-type' || name.startsWith('x-acs-');

/**
 * Lower-case hex SHA-256 of a body, the `x-acs-content-sha256` header.
 *
 * @example acs3PayloadHash('') // 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
 */
export const acs3PayloadHash = (body: string | Buffer): string =>
  signing.hash('sha256', body).toString('hex');

/**
 * Signs a request with ACS3-HMAC-SHA256: the canonical request (method, URI, sorted encoded
 * query, `name:value` lines of the signed headers, their names, the payload hash), its SHA-256
 * as the string to sign, and hex HMAC-SHA256 with the raw secret (no `&`, unlike RPC).
 *
 * @example acs3Sign({ method: 'POST', path: '/', query, headers, body: '' }, 'YourAccessKeySecret').signature
 * // '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0' (vector C)
 */
export function acs3Sign(req: Acs3Request, accessKeySecret: string): Acs3Signed {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim()] as const)
    .filter(([k]) => signsHeader(k))
    .sort(byName);
  const signedHeaders = headers.map(([k]) => k).join(';');
  // From the body itself, never the header: a verifier must not trust the sender's claim.
  const payloadHash = acs3PayloadHash(req.body);
  const canonicalRequest = [
    req.method.toUpperCase(),
    req.path || '/',
    canonicalQuery(req.query),
    headers.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const canonicalRequestHash = signing.hash('sha256', canonicalRequest).toString('hex');
  const signature = signing
    .hmac('sha256', accessKeySecret, `${ACS3}\n${canonicalRequestHash}`)
    .toString('hex');
  return Object.freeze({ canonicalRequest, canonicalRequestHash, signedHeaders, signature });
}

/**
 * The V3 `Authorization` header value (comma-separated, no spaces).
 *
 * @example acs3Authorization('YourAccessKeyId', 'host;x-acs-action', 'abcd')
 * // 'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action,Signature=abcd'
 */
export const acs3Authorization = (accessKeyId: string, signedHeaders: string, signature: string): string =>
  `${ACS3} Credential=${accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
