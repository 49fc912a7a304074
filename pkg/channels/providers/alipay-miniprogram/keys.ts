import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The RSA keys of an Alipay app as operators paste them (PROVIDERS.md §10b.3, §10b.5): a PEM
 * file, or the bare Base64 the Alipay key tool and console show (`MIIEv…` PKCS#8 or `MIIEo…`
 * PKCS#1 private keys, `MIIBI…` public keys), with or without line breaks. Errors name the
 * problem, never the key.
 */

/** RSA2 apps need at least a 2048-bit key (§10b.3 `sign_type`). */
export const MIN_RSA_BITS = 2048;

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

type Der = Readonly<{ label?: string; der: Buffer }>;

/** The DER bytes of a pasted key and its PEM label (none for bare Base64). */
function derOf(text: string, what: string): Der {
  // Keys copied out of JSON or env files often carry literal `\n` sequences.
  const t = text.replaceAll('\\n', '\n').trim();
  const m = PEM.exec(t);
  const b64 = (m ? m[2]! : t).replace(/\s+/g, '');
  if (!BASE64.test(b64))
    throw new Error(`${what} is neither a PEM key nor bare Base64 (encrypted keys are not supported)`);
  return m ? { label: m[1]!, der: Buffer.from(b64, 'base64') } : { der: Buffer.from(b64, 'base64') };
}

/** The first DER type that node:crypto reads, or a plain error. */
function firstOf(read: (type: string) => KeyObject, types: readonly string[], what: string): KeyObject {
  for (const type of types) {
    try {
      return read(type);
    } catch {
      // try the next form
    }
  }
  throw new Error(`${what} is not a readable RSA key`);
}

function checkedRsa(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa')
    throw new Error(`${what} must be an RSA key (RSA2), got ${key.asymmetricKeyType}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new Error(`${what} has ${bits} bits; RSA2 needs at least ${MIN_RSA_BITS}`);
  return key;
}

/**
 * The app private key (`-----BEGIN PRIVATE KEY-----` PKCS#8, `-----BEGIN RSA PRIVATE KEY-----`
 * PKCS#1, or either as bare Base64). Throws when it is none of these or not RSA ≥ 2048 bits.
 *
 * @example parsePrivateKey('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC…').asymmetricKeyType // 'rsa'
 */
export function parsePrivateKey(text: string): KeyObject {
  const what = 'privateKey';
  const { label, der } = derOf(text, what);
  if (label !== undefined && label !== 'RSA PRIVATE KEY' && label !== 'PRIVATE KEY') {
    throw new Error(`${what}: a "${label}" PEM is not an unencrypted private key`);
  }
  const types =
    label === 'RSA PRIVATE KEY' ? ['pkcs1'] : label === 'PRIVATE KEY' ? ['pkcs8'] : ['pkcs8', 'pkcs1'];
  const key = firstOf(
    (type) => createPrivateKey({ key: der, format: 'der', type: type as 'pkcs1' | 'pkcs8' }),
    types,
    what,
  );
  return checkedRsa(key, what);
}

/**
 * An RSA public key (`-----BEGIN PUBLIC KEY-----` SPKI, `-----BEGIN RSA PUBLIC KEY-----` PKCS#1,
 * or bare Base64 as the Alipay console shows the 支付宝公钥).
 *
 * @example parsePublicKey('MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAk7Lz…').type // 'public'
 */
export function parsePublicKey(text: string, what = 'alipayPublicKey'): KeyObject {
  const { label, der } = derOf(text, what);
  if (label !== undefined && label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') {
    throw new Error(`${what}: a "${label}" PEM is not a public key`);
  }
  const types =
    label === 'RSA PUBLIC KEY' ? ['pkcs1'] : label === 'PUBLIC KEY' ? ['spki'] : ['spki', 'pkcs1'];
  const key = firstOf(
    (type) => {
      const k = createPublicKey({ key: der, format: 'der', type: type as 'pkcs1' | 'spki' });
      // createPublicKey also derives a public key from private key bytes: only the very bytes count.
      if (!k.export({ format: 'der', type: type as 'pkcs1' | 'spki' }).equals(der))
        throw new Error('derived');
      return k;
    },
    types,
    what,
  );
  return checkedRsa(key, what);
}

/**
 * The bare Base64 SPKI of a key (a private key gives its public half): how Alipay shows public
 * keys, and a way to compare two keys.
 *
 * @example spkiBase64(parsePrivateKey(pem)) === spkiBase64(parsePublicKey(pub)) // a key pair
 */
export const spkiBase64 = (key: KeyObject): string =>
  (key.type === 'private' ? createPublicKey(key) : key)
    .export({ format: 'der', type: 'spki' })
    .toString('base64');

/**
 * The error of a key that does not parse (the message only), or undefined when it does.
 *
 * @example keyProblem(parsePrivateKey, 'not a key') // 'privateKey is neither a PEM key nor bare Base64 …'
 */
export function keyProblem(parse: (text: string) => KeyObject, text: string): string | undefined {
  try {
    parse(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
