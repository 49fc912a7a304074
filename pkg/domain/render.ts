import { AppError } from './errors.ts';

/** Matches `{$name}` and `{{name}}` (optionally spaced: `{{ name }}`). Names: letters, digits, `_`, `.`, `-`. */
const PLACEHOLDER = /\{\$([A-Za-z_][\w.-]*)\}|\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export type Variables = Readonly<Record<string, unknown>>;

/** Escapes text for safe inclusion in HTML bodies. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Placeholder names used by a string, in first-seen order.
 *
 * @example placeholders('Hi {$name}, code {{code}}') // ['name', 'code']
 */
export function placeholders(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) seen.add((m[1] ?? m[2])!);
  return [...seen];
}

/** Placeholder names used anywhere in a (nested) content object. */
export function contentPlaceholders(content: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const p of placeholders(v)) out.add(p);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(content);
  return [...out];
}

/** Names a content object needs that `vars` does not provide. */
export function missingVariables(content: unknown, vars: Variables): string[] {
  return contentPlaceholders(content).filter((n) => vars[n] === undefined || vars[n] === null);
}

const asText = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * Renders one string. Throws `MISSING_VARIABLES` (422) listing every missing name.
 *
 * @example renderText('Hello {$name}', { name: 'Ann' }) // 'Hello Ann'
 */
export function renderText(text: string, vars: Variables, encode?: (s: string) => string): string {
  const missing = placeholders(text).filter((n) => vars[n] === undefined || vars[n] === null);
  if (missing.length) throw missingError(missing);
  return text.replace(PLACEHOLDER, (_m, a: string | undefined, b: string | undefined) => {
    const s = asText(vars[(a ?? b)!]);
    return encode ? encode(s) : s;
  });
}

/**
 * Renders every string in a content object. Keys named `html` (or ending in `Html`) get their
 * variables HTML-escaped, so a receiver-controlled value can never inject markup into an email.
 *
 * @example renderContent({ subject: 'Hi {$n}', html: '<b>{$n}</b>' }, { n: '<x>' })
 * // { subject: 'Hi <x>', html: '<b>&lt;x&gt;</b>' }
 */
export function renderContent<T>(content: T, vars: Variables): T {
  const missing = missingVariables(content, vars);
  if (missing.length) throw missingError(missing);
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return renderText(v, vars, isHtmlKey(key) ? escapeHtml : undefined);
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(content, '') as T;
}

const isHtmlKey = (k: string) => k === 'html' || k.endsWith('Html');

const missingError = (missing: string[]) =>
  new AppError('MISSING_VARIABLES', 422, `missing template variables: ${missing.join(', ')}`, { missing });
