/**
 * A small MIME reader for what the test SMTP server receives (nodemailer's output): headers with
 * folding and RFC 2047 encoded words, nested multiparts, 7bit/8bit/quoted-printable/base64 bodies
 * in any charset Node's TextDecoder knows. Enough to check rendered subjects and bodies in tests;
 * not a general-purpose mail parser (attachments are skipped; body line ends become `\n`).
 */

export type ParsedMail = {
  /** Lower-cased header name → decoded value (the first occurrence). */
  headers: Map<string, string>;
  subject: string;
  messageId: string;
  to: string[];
  text: string | undefined;
  html: string | undefined;
};

type Part = { headers: Map<string, string>; body: string };

/** Splits a byte-preserving (latin1) entity into unfolded headers and body. */
function splitEntity(entity: string): Part {
  const m = /\r?\n\r?\n/.exec(entity);
  const head = m ? entity.slice(0, m.index) : entity;
  const body = m ? entity.slice(m.index + m[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    // Raw 8-bit header bytes (SMTPUTF8) are UTF-8.
    const value = Buffer.from(line.slice(i + 1).trim(), 'latin1').toString('utf8');
    if (!headers.has(name)) headers.set(name, decodeWords(value));
  }
  return { headers, body };
}

const decodeText = (bytes: Buffer, charset: string): string => {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
};

/** Quoted-printable to bytes (`=XX` escapes, `=` soft line breaks). */
export function decodeQuotedPrintable(s: string): Buffer {
  const src = s.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    const hex = src.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else out.push(src.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/**
 * Decodes RFC 2047 encoded words; whitespace between adjacent encoded words is dropped.
 *
 * @example decodeWords('=?UTF-8?Q?Hello_=E4=BD=A0?=') // 'Hello 你'
 */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : decodeQuotedPrintable(data.replace(/_/g, ' '));
      return decodeText(bytes, charset.split('*')[0]!);
    });
}

/** `text/html; charset="utf-8"` → `{ type: 'text/html', params: { charset: 'utf-8' } }`. */
function contentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i > 0)
      params[p.slice(0, i).trim().toLowerCase()] = p
        .slice(i + 1)
        .trim()
        .replace(/^"|"$/g, '');
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeBody(part: Part, charset: string): string {
  const cte = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes =
    cte === 'base64'
      ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64')
      : cte === 'quoted-printable'
        ? decodeQuotedPrintable(part.body)
        : Buffer.from(part.body, 'latin1');
  // Line ends normalised to \n: SMTP carries CRLF, tests compare with what the template said.
  return decodeText(bytes, charset).replace(/\r\n/g, '\n');
}

function walk(part: Part, out: { text?: string; html?: string }): void {
  const ct = contentType(part.headers.get('content-type'));
  const disposition = (part.headers.get('content-disposition') ?? '').toLowerCase();
  if (ct.type.startsWith('multipart/') && ct.params.boundary) {
    const delim = `--${ct.params.boundary}`;
    const sections = part.body.split(new RegExp(`\\r?\\n?${escapeRe(delim)}`));
    // sections[0] is the preamble; a section starting with "--" is the closing delimiter.
    for (const s of sections.slice(1)) {
      if (s.startsWith('--')) break;
      walk(splitEntity(s.replace(/^[ \t]*\r?\n/, '')), out);
    }
    return;
  }
  if (disposition.startsWith('attachment')) return;
  if (ct.type === 'text/plain' && out.text === undefined)
    out.text = decodeBody(part, ct.params.charset ?? '');
  if (ct.type === 'text/html' && out.html === undefined) out.html = decodeBody(part, ct.params.charset ?? '');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Addresses of an address-list header (`"Ann" <a@x.com>, b@y.com` → `['a@x.com', 'b@y.com']`). */
export function addresses(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const item of value.match(/(?:"[^"]*"|[^,])+/g) ?? []) {
    const angle = /<([^>]*)>/.exec(item);
    const addr = (angle ? angle[1]! : item).trim();
    if (addr) out.push(addr);
  }
  return out;
}

/**
 * Parses a raw message.
 *
 * @example parseMail(raw).subject // 'Welcome, Ann'
 */
export function parseMail(raw: Buffer | string): ParsedMail {
  const top = splitEntity(
    typeof raw === 'string' ? Buffer.from(raw, 'utf8').toString('latin1') : raw.toString('latin1'),
  );
  // A message ends with a line break that belongs to the message, not to a single-part body.
  top.body = top.body.replace(/\r?\n$/, '');
  const bodies: { text?: string; html?: string } = {};
  walk(top, bodies);
  return {
    headers: top.headers,
    subject: top.headers.get('subject') ?? '',
    messageId: top.headers.get('message-id') ?? '',
    to: addresses(top.headers.get('to')),
    text: bodies.text,
    html: bodies.html,
  };
}
