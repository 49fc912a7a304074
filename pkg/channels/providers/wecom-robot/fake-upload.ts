import type { Refusal } from './fake-messages.ts';

/**
 * Test-only (imported by fake.ts alone): reads an `upload_media` request as WeCom does (PROVIDERS.md §6.1): a
 * `multipart/form-data` body whose part named `media` carries the file and its `filename`;
 * the file must be larger than 5 bytes and at most 20 MB. The test HTTP server hands bodies as
 * UTF-8 text, so the bytes here are exact for text files only; tests upload text (binary bytes
 * would arrive with U+FFFD in place of invalid sequences).
 */

/** The uploaded file, as the fake received it. */
export type Upload = Readonly<{ filename: string; bytes: Buffer }>;

const EMPTY_MEDIA = 44001;
const BAD_FILE_SIZE = 40006;
const MAX = 20 * 1024 * 1024;

const refuse = (errcode: number, errmsg: string): Refusal => ({ errcode, errmsg });

/**
 * The `media` part of an upload, or WeCom's refusal.
 *
 * @example readUpload(req.headers['content-type'] ?? '', req.body) // { filename: 'report.csv', bytes: <Buffer …> }
 */
export function readUpload(type: string, body: string): Upload | Refusal {
  const boundary = /^multipart\/form-data;.*\bboundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) return refuse(EMPTY_MEDIA, 'empty media data: not multipart/form-data');
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
    if (!/\bname="media"/i.test(disposition)) continue;
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    if (!filename) return refuse(EMPTY_MEDIA, 'empty media data: no filename');
    // The part ends with the CRLF that precedes the next boundary.
    const data = part.slice(split + 4).replace(/\r\n$/, '');
    const bytes = Buffer.from(data, 'utf8');
    if (bytes.length <= 5 || bytes.length > MAX) {
      return refuse(BAD_FILE_SIZE, `invalid file size ${bytes.length}, must be 5B~20M`);
    }
    return { filename, bytes };
  }
  return refuse(EMPTY_MEDIA, 'empty media data: no media part');
}
