import { AppError } from './errors.ts';
import { JSON_LIMITS, type JsonLimits, jsonLimitIssue } from './limits.ts';
import { isSafeUrl, UNSAFE_URL, URL_ATTRIBUTES } from './safe-url.ts';

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

/**
 * Refuses content or variables past the input limits before any recursive walk: they can only
 * be stored around the API checks (or before them), and walking them would overflow the stack.
 * `RENDER_FAILED` is permanent: the handler dead-letters it once, ingest answers 422.
 */
function assertRenderable(value: unknown, limits: JsonLimits, what: string): void {
  const issue = jsonLimitIssue(value, limits);
  if (!issue) return;
  const path = [what, ...issue.path.map(String)].join('.');
  throw new AppError('RENDER_FAILED', 422, `cannot render: ${path}: ${issue.message}`, [
    { path, message: issue.message, code: issue.code },
  ]);
}

/** Placeholder names used anywhere in a (nested) content object. */
export function contentPlaceholders(content: unknown): string[] {
  assertRenderable(content, JSON_LIMITS.content, 'content');
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
 * variables HTML-escaped, so a receiver-controlled value can never inject markup into an email,
 * and URL attributes holding a variable are kept to safe schemes (see {@link renderHtml}).
 *
 * @example renderContent({ subject: 'Hi {$n}', html: '<b>{$n}</b>' }, { n: '<x>' })
 * // { subject: 'Hi <x>', html: '<b>&lt;x&gt;</b>' }
 */
export function renderContent<T>(content: T, vars: Variables): T {
  assertRenderable(vars, JSON_LIMITS.variables, 'variables');
  const missing = missingVariables(content, vars);
  if (missing.length) throw missingError(missing);
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return isHtmlKey(key) ? renderHtml(v, vars) : renderText(v, vars);
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(content, '') as T;
}

const attrNames = URL_ATTRIBUTES.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
/**
 * One left-to-right pass over HTML: a URL attribute with its whole value (quoted or not), or a
 * placeholder elsewhere. Placeholders inside an attribute value are rendered by the first branch,
 * so a value is never substituted twice.
 */
const HTML_TOKEN = new RegExp(
  `(\\s(?:${attrNames})\\s*=\\s*)("[^"]*"|'[^']*'|[^\\s"'=<>\`]+)|${PLACEHOLDER.source}`,
  'gi',
);

/**
 * Renders an HTML string: variables HTML-escaped; in a URL attribute (`href`, `src`, `action`…)
 * whose value holds a variable, a rendered URL with any scheme but http, https or mailto (or
 * none: relative) becomes `#`, and an unquoted value is quoted (a variable cannot add attributes).
 *
 * @example renderHtml('<a href="{$u}">x</a>', { u: 'javascript:alert(1)' }) // '<a href="#">x</a>'
 */
export function renderHtml(html: string, vars: Variables): string {
  const missing = placeholders(html).filter((n) => vars[n] === undefined || vars[n] === null);
  if (missing.length) throw missingError(missing);
  return html.replace(
    HTML_TOKEN,
    (
      m,
      lead: string | undefined,
      value: string | undefined,
      a: string | undefined,
      b: string | undefined,
    ) => {
      if (lead === undefined || value === undefined) return escapeHtml(asText(vars[(a ?? b)!]));
      const quoted = value[0] === '"' || value[0] === "'";
      const inner = quoted ? value.slice(1, -1) : value;
      if (placeholders(inner).length === 0) return m;
      const rendered = renderText(inner, vars, escapeHtml);
      const q = quoted ? value[0] : '"';
      return `${lead}${q}${isSafeUrl(rendered) ? rendered : UNSAFE_URL}${q}`;
    },
  );
}

const isHtmlKey = (k: string) => k === 'html' || k.endsWith('Html');

const missingError = (missing: string[]) =>
  new AppError('MISSING_VARIABLES', 422, `missing template variables: ${missing.join(', ')}`, { missing });
