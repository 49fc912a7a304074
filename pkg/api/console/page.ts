import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The console page and the Content-Security-Policy that allows exactly its inline code. */
export type ConsolePage = Readonly<{ html: string; csp: string }>;

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Assembles the one self-contained console page from `assets/` (HTML, CSS and JS inlined: no
 * build step, no CDN) and a CSP naming the inline script and style by hash, so nothing else can
 * run in the page even if some text slipped into it; the page may only talk to its own origin.
 *
 * @example const { html, csp } = buildConsolePage({ title: 'pushline' });
 */
export function buildConsolePage(opts: { title?: string } = {}): ConsolePage {
  const style = asset('console.css');
  const script = asset('console.js');
  if (script.includes('</script')) throw new Error('console.js must not contain "</script"');
  const title = escapeHtml(opts.title ?? 'pushline');
  const shell = asset('console.html');
  for (const slot of ['<!--{{style}}-->', '<!--{{script}}-->']) {
    if (!shell.includes(slot)) throw new Error(`console.html lost its ${slot} slot`);
  }
  // Function replacers: `$` in the inlined code must not be read as a replacement pattern.
  const html = shell
    .replaceAll('{{title}}', () => title)
    .replace('<!--{{style}}-->', () => `<style>${style}</style>`)
    .replace('<!--{{script}}-->', () => `<script>${script}</script>`);
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return Object.freeze({ html, csp });
}
