import { AppError } from '../domain/errors.ts';
import { fileRejected } from './problems.ts';

/** How much of an upload has been read: bytes, and complete lines (for line numbers). */
export type TextMeter = { bytes: number; lines: number };

const NEWLINE = 0x0a;

function newlines(b: Uint8Array, end = b.length): number {
  let n = 0;
  for (let i = b.indexOf(NEWLINE); i >= 0 && i < end; i = b.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * Offset of the first byte that cannot start or continue a UTF-8 sequence, -1 when none (a
 * sequence cut at the end is the next buffer's business). Only run once decoding failed: it
 * finds the line to name, the decoder stays the judge.
 */
function invalidUtf8At(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const more =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (more < 0) return i;
    for (let k = 1; k <= more; k++) {
      if (i + k >= b.length) return -1;
      if ((b[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += more + 1;
  }
  return -1;
}

const notText = (line: number, message: string) =>
  fileRejected('CROWD_NOT_TEXT', [{ line, column: null, message }]);

/**
 * The text of an upload, decoded as it arrives: refuses more than `maxBytes` (413), binary data
 * (a NUL byte), UTF-16 and anything not UTF-8 (422 `CROWD_NOT_TEXT`, naming the line), so the
 * CSV parser only ever sees text. A UTF-8 byte-order mark is dropped. `meter` counts as it goes.
 *
 * @example
 * const meter = { bytes: 0, lines: 0 };
 * for await (const text of crowdText(req.body, { maxBytes: 100 << 20, meter })) parser.write(text);
 */
export async function* crowdText(
  body: AsyncIterable<Uint8Array>,
  opts: { maxBytes: number; meter: TextMeter },
): AsyncGenerator<string> {
  const { meter } = opts;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  for await (const bytes of body) {
    if (bytes.length === 0) continue;
    meter.bytes += bytes.length;
    if (meter.bytes > opts.maxBytes) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        413,
        `the crowd file is larger than ${opts.maxBytes} bytes (CROWD_MAX_BYTES); split it into several files`,
      );
    }
    if (
      first &&
      bytes.length >= 2 &&
      ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    ) {
      throw notText(1, 'the file is UTF-16 text; save it as "CSV UTF-8"');
    }
    first = false;
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
      throw notText(
        meter.lines + newlines(bytes, nul) + 1,
        'binary data (a NUL byte): upload a CSV text file',
      );
    }
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch {
      const at = invalidUtf8At(bytes);
      throw notText(
        meter.lines + newlines(bytes, Math.max(0, at)) + 1,
        'not UTF-8 text (a spreadsheet in another encoding?); save it as "CSV UTF-8"',
      );
    }
    meter.lines += newlines(bytes);
    if (text) yield text;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw notText(meter.lines + 1, 'the file ends inside a UTF-8 character; save it as "CSV UTF-8"');
  }
  if (tail) yield tail;
}
