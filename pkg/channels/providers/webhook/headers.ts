import { z } from 'zod';

/**
 * Extra HTTP headers of a webhook (static ones in the account, per-template ones in the content).
 * Names the signature or the transport depend on are ours alone: a template that could set
 * `webhook-signature` or `content-length` would break what the receiver verifies.
 */

/** RFC 9110 token characters (a header name). */
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, space, tab and obs-text: no CR/LF/NUL, so no header injection. */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const MAX_VALUE = 8192;

/** Header names (lower case) a webhook never lets config or content set. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'user-agent',
]);

/** Why a header is refused, or `undefined` when it may be sent. Names only, never values. */
export function headerProblem(name: string, value: string): string | undefined {
  if (!NAME.test(name)) return `"${name.slice(0, 64)}" is not a valid header name`;
  if (RESERVED_HEADERS.has(name.toLowerCase())) return `header "${name}" is set by the webhook itself`;
  if (value.length > MAX_VALUE) return `header "${name}" is longer than ${MAX_VALUE} characters`;
  if (!VALUE.test(value)) return `header "${name}" holds a control character`;
  return undefined;
}

/**
 * The zod schema of an extra-headers record (for config and content).
 *
 * @example extraHeaders(z.string()).safeParse({ 'x-team': 'a' }).success // true
 * @example extraHeaders(z.string()).safeParse({ 'webhook-id': 'x' }).success // false
 */
export function extraHeaders<V extends z.ZodType<string>>(value: V) {
  return z
    .record(z.string(), value)
    .superRefine((headers, ctx) => {
      for (const [name, v] of Object.entries(headers)) {
        // Placeholders are rendered later; the rendered text is checked again at send.
        const problem = headerProblem(name, v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
      }
    })
    .refine((h) => Object.keys(h).length <= 50, 'at most 50 extra headers');
}

/**
 * Account headers overlaid by content headers (names compared case-insensitively, content wins),
 * checked again since rendered values may hold anything a variable carried.
 *
 * @example mergeHeaders({ 'X-A': '1' }, { 'x-a': '2' }) // { ok: true, headers: { 'x-a': '2' } }
 */
export function mergeHeaders(
  ...layers: readonly (Readonly<Record<string, string>> | undefined)[]
): { ok: true; headers: Record<string, string> } | { ok: false; message: string } {
  const headers: Record<string, string> = {};
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer ?? {})) {
      const problem = headerProblem(name, value);
      if (problem) return { ok: false, message: problem };
      headers[name.toLowerCase()] = value;
    }
  }
  return { ok: true, headers };
}
