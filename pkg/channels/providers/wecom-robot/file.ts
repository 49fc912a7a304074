import { type ErrorClass, failure, type SendFailure } from '../../definition.ts';
import { asHttpError } from '../../failures.ts';
import type { HttpResponse, Kit } from '../../kit/types.ts';
import { TRANSFER_TIMEOUT_MS } from './api.ts';
import type { WecomRobotFile } from './content.ts';
import { BAD_MEDIA, FILE_TOO_LARGE, WECOM_ROBOT_ERRORS } from './errors.ts';
import { decodeBase64, FILE_MAX_BYTES, FILE_MIN_BYTES, safeFilename } from './media.ts';

/**
 * The bytes and name of a file message, ready for `upload_media`: decoded from the content's
 * base64, or downloaded from its URL through the kit's SSRF-guarded client (template authors
 * and senders choose the URL, so it must never reach the platform's own network). Nothing was
 * posted when any of this fails, so no failure here is in doubt. Download failures have codes
 * of their own (`FILE_HTTP_404`, `FILE_HTTP_CONNECT`, …): a file host that is down says nothing
 * about WeCom, so they never count toward the account's circuit breaker.
 */

/**
 * Whether a failure came from fetching a file rather than from WeCom.
 *
 * @example isFileFailure(failure(WECOM_ROBOT_ERRORS, 'FILE_HTTP_503', 'busy', { fallback: 'retryable' })) // true
 */
export const isFileFailure = (f: SendFailure): boolean => f.code.startsWith('FILE_');

/** A file ready to upload, or why it is not. */
export type FileResult = Readonly<{ ok: true; bytes: Buffer; filename: string }> | SendFailure;

const fail = (code: string, message: string, fallback: ErrorClass = 'permanent') =>
  failure(WECOM_ROBOT_ERRORS, code, message, { fallback, inDoubt: false });

const sizeError = (n: number): SendFailure | undefined =>
  n > FILE_MAX_BYTES
    ? fail(FILE_TOO_LARGE, `file of ${n} bytes exceeds WeCom's ${FILE_MAX_BYTES}`)
    : n < FILE_MIN_BYTES
      ? fail(FILE_TOO_LARGE, `file of ${n} bytes is below WeCom's minimum of ${FILE_MIN_BYTES}`)
      : undefined;

/** The last path segment of a URL, decoded (the file's name when the content gives none). */
const nameOf = (url: URL): string => {
  const last = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
};

/** Downloads `href` (GET, no redirects, the kit's size cap) through the SSRF guard. */
async function download(
  href: string,
  kit: Kit,
): Promise<Readonly<{ ok: true; bytes: Buffer }> | SendFailure> {
  let res: HttpResponse;
  try {
    res = await kit.publicHttp.request({
      method: 'GET',
      url: href,
      timeoutMs: TRANSFER_TIMEOUT_MS,
      // A file may be up to WeCom's limit; one byte more tells it is too large.
      maxResponseBytes: FILE_MAX_BYTES + 1,
    });
  } catch (err) {
    const e = asHttpError(err);
    if (e.code === 'HTTP_RESPONSE_TOO_LARGE') return fail(FILE_TOO_LARGE, `file download: ${e.message}`);
    // `FILE_`-prefixed: the file host failed, not WeCom (see `isFileFailure`). HttpError
    // messages name the host only, never a (possibly signed) path or query.
    return fail(`FILE_${e.code}`, `file download: ${e.message}`, e.retryable ? 'retryable' : 'permanent');
  }
  const host = new URL(href).host;
  if (res.status !== 200) {
    const cls: ErrorClass = res.status === 429 || res.status >= 500 ? 'retryable' : 'permanent';
    return fail(`FILE_HTTP_${res.status}`, `file download from ${host} answered HTTP ${res.status}`, cls);
  }
  return { ok: true, bytes: res.bytes };
}

/**
 * The file of a file message.
 *
 * @example
 * const f = await fileOf({ type: 'file', url: 'https://files.example.com/r/7.csv' }, kit);
 * if (f.ok) await api.upload(f.filename, f.bytes); // filename '7.csv'
 */
export async function fileOf(file: WecomRobotFile, kit: Kit): Promise<FileResult> {
  if (file.base64 !== undefined) {
    const bytes = decodeBase64(file.base64);
    if (!bytes) return fail(BAD_MEDIA, 'file content is not base64');
    return sizeError(bytes.length) ?? { ok: true, bytes, filename: safeFilename(file.filename ?? '') };
  }
  let url: URL;
  try {
    url = new URL(file.url ?? '');
  } catch {
    return fail(BAD_MEDIA, 'file url is not a URL');
  }
  const got = await download(url.href, kit);
  if (!got.ok) return got;
  return (
    sizeError(got.bytes.length) ?? {
      ok: true,
      bytes: got.bytes,
      filename: safeFilename(file.filename ?? nameOf(url)),
    }
  );
}
