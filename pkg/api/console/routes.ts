import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Hono } from 'hono';
import { errorBody } from '../errors.ts';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The console's Content-Security-Policy: its own scripts and styles only, API calls to this origin. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

type Built = Readonly<{
  index: string;
  assets: ReadonlyMap<string, Readonly<{ body: Buffer; type: string }>>;
}>;

/** Reads the Vite build (deploy/console-build.mjs) into memory: a few hundred KB, served from RAM. */
function readBuild(dir: URL): Built | undefined {
  const index = new URL('index.html', dir);
  if (!existsSync(index)) return undefined;
  const assets = new Map<string, { body: Buffer; type: string }>();
  const assetDir = new URL('assets/', dir);
  if (existsSync(assetDir))
    for (const name of readdirSync(assetDir))
      assets.set(name, {
        body: readFileSync(new URL(name, assetDir)),
        type: TYPES[extname(name)] ?? 'application/octet-stream',
      });
  return Object.freeze({ index: readFileSync(index, 'utf8'), assets });
}

/**
 * `GET /console` (and `/console/`): the operators' console, a Preact application built by Vite
 * into `built/` (deploy/console-build.mjs runs before `npm start`, `npm test` and
 * `npm run build`); `GET /console/assets/<file>`: its content-hashed scripts and styles, cached
 * for a year. The page holds no data and no secret: the operator signs in with the admin token,
 * kept in the tab's sessionStorage and sent only as a Bearer header to the API. A missing build
 * answers 503 with how to make it, so a process started without it still serves the API.
 *
 * @example await startIngest(core, { ...routers, pages: consoleRoutes() });
 */
export function consoleRoutes(deps: { dir?: URL } = {}): Hono {
  const dir = deps.dir ?? new URL('./built/', import.meta.url);
  let built = readBuild(dir);
  const current = () => {
    built ??= readBuild(dir);
    return built;
  };
  const notBuilt = () =>
    errorBody(
      'CONSOLE_NOT_BUILT',
      'the console is not built: run `node deploy/console-build.mjs` (npm start does)',
    );
  const page = (c: import('hono').Context) => {
    const b = current();
    if (!b) return c.json(notBuilt(), 503);
    return c.body(b.index, 200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...SECURITY,
    });
  };
  return new Hono()
    .get('/console', page)
    .get('/console/', page)
    .get('/console/assets/:file', (c) => {
      const b = current();
      const asset = b?.assets.get(c.req.param('file'));
      if (!asset) return c.json(errorBody('NOT_FOUND', 'no such console asset'), 404);
      return c.body(new Uint8Array(asset.body), 200, {
        'content-type': asset.type,
        'cache-control': 'public, max-age=31536000, immutable',
        ...SECURITY,
      });
    });
}
