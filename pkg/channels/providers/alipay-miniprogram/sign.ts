import { createSign, createVerify, type KeyObject } from 'node:crypto';

/**
 * Alipay's OpenAPI v2 signatures (PROVIDERS.md §10b.5–10b.6), as pure functions shared by the
 * client and the fake: requests are signed RSA2 (SHA256withRSA, PKCS#1 v1.5) with the app private
 * key over the sorted `k=v&…` string of their parameters; answers are signed by Alipay over the
 * exact raw text of their `…_response` member, verified with the Alipay public key.
 */

/**
 * The string a request signs: every parameter but `sign`, empty values dropped, sorted by key in
 * ASCII order, `key=value` joined with `&`, values raw (no URL encoding, JSON as sent).
 *
 * @example signContent({ b: '2', a: 'x y', sign: 's', c: '' }) // 'a=x y&b=2'
 */
export function signContent(params: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(params)
    .filter((e): e is [string, string] => e[0] !== 'sign' && typeof e[1] === 'string' && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * RSA2: Base64 of SHA256withRSA over the UTF-8 bytes of `content`.
 *
 * @example rsa2Sign(signContent(params), parsePrivateKey(config.privateKey)) // 'aEyDEpzk+0gh…' (344 chars)
 */
export const rsa2Sign = (content: string, key: KeyObject): string =>
  createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');

/**
 * Whether `signature` (Base64) is RSA2 over `content` by the holder of `key`'s private half.
 *
 * @example rsa2Verify(content, answer.sign, parsePublicKey(config.alipayPublicKey)) // true
 */
export function rsa2Verify(content: string, signature: string, key: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

/** The end (exclusive) of the JSON string starting at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  throw new Error('unterminated string');
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t';

function skipSpace(text: string, i: number): number {
  let j = i;
  while (isSpace(text[j])) j++;
  return j;
}

/** The end (exclusive) of the JSON value starting at `i`: braces and brackets matched, strings skipped whole. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = stringEnd(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new Error('unbalanced value');
  }
  let j = i;
  while (j < text.length && !isSpace(text[j]) && text[j] !== ',' && text[j] !== '}') j++;
  return j;
}

/**
 * The raw text of each top-level member of a JSON object, by key: what an Alipay answer's
 * signature covers is the `…_response` value exactly as sent (spacing, key order, `\/` escapes),
 * never re-serialised JSON. Braces inside strings do not count. Undefined when `text` is not a
 * JSON object. A repeated key keeps its last value, as JSON.parse does.
 *
 * @example rawMembers('{"a_response":{"code":"10000","x":"}"},"sign":"c2ln"}')?.get('a_response')
 * // '{"code":"10000","x":"}"}'
 */
export function rawMembers(text: string): ReadonlyMap<string, string> | undefined {
  try {
    JSON.parse(text);
    const out = new Map<string, string>();
    let i = skipSpace(text, 0);
    if (text[i] !== '{') return undefined;
    i = skipSpace(text, i + 1);
    while (text[i] !== '}') {
      if (text[i] !== '"') return undefined;
      const keyEnd = stringEnd(text, i);
      const key = JSON.parse(text.slice(i, keyEnd)) as string;
      const start = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the ':'
      const end = valueEnd(text, start);
      out.set(key, text.slice(start, end));
      i = skipSpace(text, end);
      if (text[i] === ',') i = skipSpace(text, i + 1);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** An answer's response member as its signature covers it. */
export type SignedNode = Readonly<{
  /** `<method>_response`, or `error_response` for gateway refusals that name no method. */
  key: string;
  /** The member's raw text (what `sign` covers). */
  raw: string;
  /** The top-level `sign`, when the answer has one. */
  sign?: string;
}>;

/**
 * The response member of an Alipay answer to `method` (`alipay.a.b` → `alipay_a_b_response`,
 * else `error_response`) with its raw text and the answer's `sign`; undefined when the body has
 * neither member.
 *
 * @example signedNode('{"alipay_open_file_upload_response":{"code":"10000"},"sign":"…"}', 'alipay.open.file.upload')
 * // { key: 'alipay_open_file_upload_response', raw: '{"code":"10000"}', sign: '…' }
 */
export function signedNode(body: string, method: string): SignedNode | undefined {
  const members = rawMembers(body);
  if (!members) return undefined;
  const own = `${method.replaceAll('.', '_')}_response`;
  const key = members.has(own) ? own : members.has('error_response') ? 'error_response' : undefined;
  if (!key) return undefined;
  const signRaw = members.get('sign');
  let sign: unknown;
  try {
    sign = signRaw === undefined ? undefined : JSON.parse(signRaw);
  } catch {
    sign = undefined;
  }
  return typeof sign === 'string' && sign !== ''
    ? { key, raw: members.get(key)!, sign }
    : { key, raw: members.get(key)! };
}

/**
 * Whether an answer's signature holds over its response member: the raw text first, then, as
 * Alipay's Java SDK does, once more with `\/` unescaped to `/` (the gateway may sign the text
 * before escaping slashes).
 *
 * @example verifyNode(signedNode(body, method)!, alipayKey) // true for a genuine answer
 */
export function verifyNode(node: SignedNode, key: KeyObject): boolean {
  if (!node.sign) return false;
  if (rsa2Verify(node.raw, node.sign, key)) return true;
  return node.raw.includes('\\/') && rsa2Verify(node.raw.replaceAll('\\/', '/'), node.sign, key);
}

const UTC8_MS = 8 * 3600_000;

/**
 * The `timestamp` common parameter: Beijing time (UTC+8, no daylight saving) `yyyy-MM-dd HH:mm:ss`.
 *
 * @example beijingTimestamp(Date.UTC(2024, 0, 1, 4, 0, 0)) // '2024-01-01 12:00:00'
 */
export const beijingTimestamp = (ms: number): string =>
  new Date(ms + UTC8_MS).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Reads a `timestamp` back into ms since the epoch; undefined when it is not exactly that form.
 *
 * @example parseBeijingTimestamp('2024-01-01 12:00:00') // Date.UTC(2024, 0, 1, 4, 0, 0)
 */
export function parseBeijingTimestamp(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - UTC8_MS;
  // Reject dates that roll over (2024-02-30) by formatting back.
  return Number.isFinite(ms) && beijingTimestamp(ms) === text ? ms : undefined;
}
