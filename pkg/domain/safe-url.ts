/**
 * The URL rule of HTML rendering: a variable substituted into a URL attribute (`href`, `src`,
 * `action`…) may only make a link a mail client and browser treat as harmless. `javascript:`,
 * `data:`, `vbscript:` and every other scheme become `#` (the message is still sent, the link
 * goes nowhere). Allowed: `http:`, `https:`, `mailto:` and scheme-less (relative) URLs.
 */

/** Schemes a rendered URL attribute may carry. */
export const SAFE_URL_SCHEMES: readonly string[] = Object.freeze(['http', 'https', 'mailto']);

/** What an unsafe URL is replaced with. */
export const UNSAFE_URL = '#';

/** Attributes whose value a browser or mail client treats as a URL. */
export const URL_ATTRIBUTES: readonly string[] = Object.freeze([
  'href',
  'src',
  'action',
  'formaction',
  'background',
  'poster',
  'cite',
  'data',
  'srcset',
  'xlink:href',
  'longdesc',
  'ping',
  'manifest',
  'codebase',
  'usemap',
  'lowsrc',
  'dynsrc',
]);

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  colon: ':',
  tab: '\t',
  newline: '\n',
};

/** The attribute value as a browser reads it: character references decoded. */
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const n = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isFinite(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
    }
    return Object.hasOwn(NAMED, ref.toLowerCase()) ? NAMED[ref.toLowerCase()]! : m;
  });
}

/**
 * Whether an (HTML-encoded) URL attribute value is safe: its scheme, as a browser parses it
 * (entities decoded, control characters and whitespace dropped), is allowed or absent.
 *
 * @example isSafeUrl('https://example.com/a') // true
 * @example isSafeUrl(' java&#115;cript:alert(1)') // false
 */
export function isSafeUrl(encoded: string): boolean {
  // Browsers ignore C0 controls and spaces anywhere in the scheme (`java\tscript:`).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: those are what is removed
  const plain = decodeEntities(encoded).replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(plain);
  return !m || SAFE_URL_SCHEMES.includes(m[1]!.toLowerCase());
}
