import { Hono } from 'hono';
import { buildConsolePage } from './page.ts';

/**
 * `GET /console`: the operator console, one self-contained HTML page. It holds no data and no
 * secret (unauthenticated, like any static page): the operator pastes the admin token or an app
 * key, kept in the tab's sessionStorage, and the page calls the public API with it — templates,
 * send, the sandbox inbox, message traces and the live event tail. Mount as the ingest's `pages`.
 *
 * @example await startIngest(core, { ...routers, pages: consoleRoutes({}) });
 */
export function consoleRoutes(deps: { title?: string } = {}): Hono {
  // Built once: the assets are read at start, so a missing file fails the process, not a request.
  const page = buildConsolePage(deps);
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': page.csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
  return new Hono().get('/console', (c) => c.body(page.html, 200, headers));
}
