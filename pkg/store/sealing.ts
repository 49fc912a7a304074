import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.ts';

/**
 * Sealing of small JSON values (channel credentials) at rest with AES-256-GCM.
 *
 * Text format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. The version prefix lets a
 * later format (another cipher, a key id for rotation) live next to old rows; GCM's tag makes a
 * wrong key or an edited row fail loudly instead of yielding garbage.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new Error(`sealing key must be 32 bytes, got ${key.length}`);
}

/**
 * Encrypts `value` (any JSON) under a 32-byte key; every call uses a fresh random IV, so sealing
 * the same value twice gives different texts.
 *
 * @example const text = sealJson({ pass: 's3cret' }, key); // 'v1.Yk…'
 */
export function sealJson(value: unknown, key: Uint8Array): string {
  return sealText(JSON.stringify(value ?? null), key);
}

/**
 * Encrypts a JSON text as {@link sealJson} does (for text that is JSON already, such as a value
 * too deep for `JSON.stringify`).
 *
 * @example openJson(sealText('{"a":1}', key), key) // { a: 1 }
 */
export function sealText(json: string, key: Uint8Array): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.');
}

/**
 * Decrypts a text from {@link sealJson}. Throws `SEALED_UNREADABLE` (500) when the key differs
 * from the sealing key or the text was altered — an operator problem (wrong `SECRET_KEY`), never
 * silently "empty credentials".
 *
 * @example openJson<{ pass: string }>(sealJson({ pass: 'x' }, key), key).pass // 'x'
 */
export function openJson<T = unknown>(sealed: string, key: Uint8Array): T {
  checkKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw unreadable(`not a ${VERSION} sealed value`);
  }
  const iv = Buffer.from(parts[1]!, 'base64url');
  const tag = Buffer.from(parts[2]!, 'base64url');
  const body = Buffer.from(parts[3]!, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw unreadable('malformed sealed value');
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw unreadable('wrong SECRET_KEY or the stored value was altered');
  }
  return JSON.parse(plain) as T;
}

/** @example isSealed('v1.a.b.c') // true */
export const isSealed = (text: string): boolean =>
  text.startsWith(`${VERSION}.`) && text.split('.').length === 4;

const unreadable = (why: string) =>
  new AppError('SEALED_UNREADABLE', 500, `cannot decrypt stored credentials: ${why}`);
