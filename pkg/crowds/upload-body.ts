import { Readable } from 'node:stream';
import type { ReadableStream as WebReadable } from 'node:stream/web';
import { Busboy } from '@fastify/busboy';
import { AppError } from '../domain/errors.ts';

/** The CSV bytes of an upload request, and how to finish reading it after a refusal. */
export type UploadBody = {
  filename: string;
  body: AsyncIterable<Uint8Array>;
  /**
   * Reads and drops what is left of the request (at most `maxBytes`), so a client still sending
   * gets the refusal as an answer rather than a reset connection.
   */
  drain(): Promise<void>;
};

/** Media types a crowd CSV comes as (Windows browsers name .csv files after Excel). */
export const CSV_TYPES = ['text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel'];

/**
 * A file name as stored: its last path segment (browsers may send `C:\fakepath\x.csv`),
 * trimmed, at most 255 characters, `crowd.csv` when none.
 *
 * @example fileName('C:\\fakepath\\vip.csv') // 'vip.csv'
 */
export const fileName = (raw: string | undefined): string =>
  (raw?.split(/[\\/]/).pop()?.trim() || 'crowd.csv').slice(0, 255);

const mediaType = (req: Request) =>
  (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

function plainBody(stream: WebReadable<Uint8Array>, filename: string, maxBytes: number): UploadBody {
  const reader = stream.getReader();
  return {
    filename,
    body: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const r = await reader.read();
          if (r.done) return;
          yield r.value;
        }
      },
    },
    async drain() {
      for (let n = 0; n <= maxBytes; ) {
        const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (r.done) return;
        n += r.value.length;
      }
      await reader.cancel().catch(() => undefined);
    },
  };
}

async function multipartBody(
  req: Request,
  stream: WebReadable<Uint8Array>,
  maxBytes: number,
): Promise<UploadBody> {
  let form: InstanceType<typeof Busboy>;
  try {
    form = new Busboy({
      headers: { 'content-type': req.headers.get('content-type') ?? '' },
      // One file; a byte past the limit is enough for the reader to answer 413.
      limits: { files: 1, fields: 20, fileSize: maxBytes + 1 },
    });
  } catch {
    // Thrown before any byte is read: a media type without its boundary parameter.
    throw new AppError('BAD_REQUEST', 400, 'multipart/form-data needs a boundary parameter');
  }
  const input = Readable.fromWeb(stream);
  let named: string | undefined;
  const part = await new Promise<{ stream: Readable; filename: string }>((resolve, reject) => {
    form.on('field', (name, value) => {
      if (name === 'filename') named = value;
    });
    form.on('file', (_field, file, filename) => resolve({ stream: file, filename }));
    form.on('finish', () =>
      reject(new AppError('CROWD_EMPTY', 422, 'the form has no file: send the CSV as a file part')),
    );
    form.on('error', () => reject(new AppError('BAD_REQUEST', 400, 'malformed multipart/form-data body')));
    input.on('error', reject);
    input.pipe(form);
  });
  return {
    filename: fileName(named ?? part.filename),
    body: part.stream,
    async drain() {
      input.unpipe(form);
      part.stream.resume();
      let n = 0;
      await new Promise<void>((resolve) => {
        input.on('data', (b: Buffer) => {
          n += b.length;
          if (n > maxBytes) input.destroy();
        });
        input
          .once('end', resolve)
          .once('close', resolve)
          .once('error', () => resolve());
        input.resume();
      });
    },
  };
}

/**
 * Opens the CSV of an upload request as a byte stream, never buffering it: a `text/csv` (or
 * similar) body with the name from `?filename=`, or the first file of a `multipart/form-data`
 * body (its name from a `filename` field or the part). Undefined for other media types.
 *
 * @example const up = await openUploadBody(c.req.raw, { maxBytes, filename: c.req.query('filename') });
 */
export async function openUploadBody(
  req: Request,
  opts: { maxBytes: number; filename?: string },
): Promise<UploadBody | undefined> {
  const type = mediaType(req);
  const stream = (req.body ?? new Blob([]).stream()) as unknown as WebReadable<Uint8Array>;
  if (CSV_TYPES.includes(type)) return plainBody(stream, fileName(opts.filename), opts.maxBytes);
  if (type === 'multipart/form-data') return multipartBody(req, stream, opts.maxBytes);
  return undefined;
}
