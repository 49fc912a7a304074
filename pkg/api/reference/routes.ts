import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';

/** One file the page loads: its bytes, type, and (once asked for) their gzip. */
type Asset = { body: Buffer; type: string; version: string; gzip?: Buffer };

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Swagger UI's browser bundle and stylesheet, from the installed swagger-ui-dist package. */
function swaggerUiFile(name: string): Buffer {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return readFileSync(join(dir, name));
}

const asset = (body: Buffer, type: string): Asset => ({
  body,
  type,
  version: createHash('sha256').update(body).digest('hex').slice(0, 12),
});

// The page may load only its own files and call only its own origin (the spec, "Try it out").
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * `GET /docs`: the API reference page, Swagger UI rendering `/openapi.json`, with its files
 * served from this process (`/docs/assets/…`, read from node_modules at start, so a missing
 * package fails the start, not a request): nothing is fetched from a CDN, and the page's CSP lets
 * it load and call only its own origin. Public, like `/openapi.json`: it holds no data; "Try it
 * out" sends the token typed under "Authorize", kept in the tab's memory only.
 *
 * @example app.route('/', referenceRoutes()); // GET /docs
 * @example referenceRoutes({ path: '/reference', specUrl: '/openapi.json', title: 'Shop push API' })
 */
export function referenceRoutes(opts: { path?: string; specUrl?: string; title?: string } = {}): Hono {
  const base = opts.path ?? '/docs';
  const assets: Record<string, Asset> = {
    'swagger-ui.css': asset(swaggerUiFile('swagger-ui.css'), 'text/css; charset=utf-8'),
    'swagger-ui-bundle.js': asset(swaggerUiFile('swagger-ui-bundle.js'), 'text/javascript; charset=utf-8'),
    'init.js': asset(
      readFileSync(new URL('./assets/init.js', import.meta.url)),
      'text/javascript; charset=utf-8',
    ),
  };
  // Versioned URLs: the files can be cached for good, a new package version gets new URLs.
  const url = (name: string) => `${base}/assets/${name}?v=${assets[name]!.version}`;
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title ?? 'pushline API reference')}</title>`,
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${url('swagger-ui.css')}">`,
    '</head>',
    '<body>',
    `<div id="swagger-ui" data-spec="${escapeHtml(opts.specUrl ?? '/openapi.json')}"></div>`,
    `<script src="${url('swagger-ui-bundle.js')}"></script>`,
    `<script src="${url('init.js')}"></script>`,
    '</body>',
    '</html>',
  ].join('\n');

  const r = new Hono();
  r.get(base, (c) => c.body(html, 200, PAGE_HEADERS));
  r.get(`${base}/assets/:name`, (c) => {
    const a = Object.hasOwn(assets, c.req.param('name')) ? assets[c.req.param('name')] : undefined;
    if (!a) return c.notFound();
    const headers: Record<string, string> = {
      'content-type': a.type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (!/\bgzip\b/.test(c.req.header('accept-encoding') ?? ''))
      return c.body(new Uint8Array(a.body), 200, headers);
    // Compressed on first use (the bundle is 1.7 MB, about 0.5 MB gzipped), then kept.
    a.gzip ??= gzipSync(a.body);
    return c.body(new Uint8Array(a.gzip), 200, { ...headers, 'content-encoding': 'gzip' });
  });
  return r;
}
