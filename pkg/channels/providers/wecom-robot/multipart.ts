import { randomBytes } from 'node:crypto';

/**
 * The `multipart/form-data` body `upload_media` takes: one part named `media` whose disposition
 * carries `filename` (the name the group sees) and `filelength`, as WeCom's own example writes
 * it. The name goes raw UTF-8 (what curl and browsers send, and what WeCom shows); quotes and
 * line breaks are dropped so it cannot end the header early.
 */

/** A request body and the content-type that names its boundary. */
export type MultipartBody = Readonly<{ contentType: string; body: Buffer }>;

/**
 * One file as the `media` part.
 *
 * @example
 * const { contentType, body } = multipartFile('report.csv', Buffer.from('a,b\n1,2\n'));
 * // contentType: 'multipart/form-data; boundary=----pushline…'
 */
export function multipartFile(filename: string, bytes: Buffer): MultipartBody {
  const boundary = `----pushline${randomBytes(16).toString('hex')}`;
  const name = filename.replace(/["\r\n]/g, '');
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="media"; filename="${name}"; filelength=${bytes.length}\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n';
  return Object.freeze({
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([Buffer.from(head, 'utf8'), bytes, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')]),
  });
}
