/**
 * Limits and byte helpers of the robot's binary messages (PROVIDERS.md §6.1–6.2): an image goes
 * inline as base64 with the md5 of its raw bytes (≤ 2 MB before encoding, JPG or PNG); a file is
 * uploaded first (more than 5 bytes, ≤ 20 MB) and posted by its `media_id`.
 */

/** Largest image WeCom takes, counted before base64 encoding. */
export const IMAGE_MAX_BYTES = 2 * 1024 * 1024;
/** Largest file `upload_media` takes. */
export const FILE_MAX_BYTES = 20 * 1024 * 1024;
/** Files must be larger than 5 bytes (the media docs: "size必须大于5个字节"). */
export const FILE_MIN_BYTES = 6;

/** Base64 characters of `bytes` raw bytes (an upper bound for the content schema's string cap). */
export const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;

// A character class, not a repeated group: linear on multi-MB strings, no backtracking stack.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Whether `s` is strict base64: padded to a multiple of 4, standard alphabet, `=` only at the end.
 *
 * @example isBase64('aGVsbG8=') // true
 * @example isBase64('aGVsbG8') // false
 */
export const isBase64 = (s: string): boolean => s.length % 4 === 0 && BASE64.test(s);

/**
 * Base64 as a template may carry it, made plain: a `data:…;base64,` prefix and whitespace (line
 * breaks of MIME-style base64) removed. Anything else is left for {@link decodeBase64} to refuse.
 *
 * @example plainBase64('data:image/png;base64,iVBO\nRw0K') // 'iVBORw0K'
 */
export function plainBase64(s: string): string {
  return s.replace(/^data:[^,]{0,100};base64,/i, '').replace(/\s+/g, '');
}

/**
 * The bytes of strict base64 (padded, standard alphabet), or undefined when it is not that.
 * Node's own decoder skips bad characters silently, which would post a different image than
 * the one the md5 was meant for; hence the check first.
 *
 * @example decodeBase64('aGVsbG8=')?.toString() // 'hello'
 * @example decodeBase64('not base64!') // undefined
 */
export function decodeBase64(s: string): Buffer | undefined {
  return isBase64(s) ? Buffer.from(s, 'base64') : undefined;
}

/**
 * Raw size of strict base64 without decoding it (the schema checks multi-MB strings).
 *
 * @example decodedSize('aGVsbG8=') // 5
 */
export function decodedSize(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/**
 * The image format WeCom accepts that `head` (the first bytes) starts with, by magic number.
 *
 * @example imageKind(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) // 'png'
 * @example imageKind(Buffer.from('GIF89a')) // undefined
 */
export function imageKind(head: Buffer): 'png' | 'jpeg' | undefined {
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * A file name WeCom can show and a multipart header can carry: the last path segment, no
 * control characters or quotes, at most 255 UTF-8 bytes; `fallback` when nothing is left.
 *
 * @example safeFilename('../reports/"Q3".pdf') // 'Q3.pdf'
 */
export function safeFilename(name: string, fallback = 'file'): string {
  const last = name.split(/[/\\]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping control characters is the point
  let out = last.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  // Cut by code points, never inside a surrogate pair.
  while (Buffer.byteLength(out, 'utf8') > 255) out = [...out].slice(0, -1).join('');
  return out === '' || out === '.' || out === '..' ? fallback : out;
}
