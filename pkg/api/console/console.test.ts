import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  chromiumMissing,
  consolePage,
  launchChromium,
  NARROW,
  signInConsole,
  startConsoleStack,
  WIDE,
} from '../../testkit/console.ts';
import { consoleRoutes } from './routes.ts';

describe('GET /console (in process)', () => {
  const app = consoleRoutes();

  test('serves the built page and its hashed assets under a CSP of its own origin only', async () => {
    const res = await app.request('/console');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.ok(html.includes('<div id="root"></div>'));
    // Every script and stylesheet is local (no CDN at run time).
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const local = refs.filter((r) => r.startsWith('/console/assets/'));
    assert.ok(local.some((r) => r.endsWith('.js')) && local.some((r) => r.endsWith('.css')), refs.join(' '));
    assert.deepEqual(
      refs.filter((r) => /^(https?:)?\/\//.test(r)),
      [],
    );
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.ok(
      csp.includes("default-src 'none'") &&
        csp.includes("script-src 'self'") &&
        csp.includes("connect-src 'self'"),
    );
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    for (const r of local) {
      const a = await app.request(r);
      assert.equal(a.status, 200, r);
      assert.match(a.headers.get('cache-control') ?? '', /immutable/);
      assert.match(a.headers.get('content-type') ?? '', r.endsWith('.js') ? /javascript/ : /css/);
      const body = await a.text();
      assert.doesNotMatch(body, /https?:\/\/(cdn|unpkg|fonts)\./, `${r} loads nothing from a CDN`);
    }
    assert.equal((await app.request('/console/')).status, 200);
  });

  test('unknown assets and other methods are not served', async () => {
    const missing = await app.request('/console/assets/nope.js');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    assert.equal((await app.request('/console/assets/..%2f..%2froutes.ts')).status, 404);
    assert.equal((await app.request('/console', { method: 'POST' })).status, 404);
  });

  test('a missing build answers 503 with how to build it, not a crash', async () => {
    const res = await consoleRoutes({ dir: new URL('file:///nonexistent/console/') }).request('/console');
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'CONSOLE_NOT_BUILT');
  });
});

describe('console frame in headless Chromium: sign-in, navigation, language, both widths', () => {
  const skip = chromiumMissing();
  let s: Awaited<ReturnType<typeof startConsoleStack>>;
  let browser: Browser;

  before(async () => {
    if (skip) return;
    s = await startConsoleStack('console-frame');
    browser = await launchChromium();
  });
  after(async () => {
    if (skip) return;
    await browser.close();
    await s.close();
  });

  test('a wrong token is refused with a message; the right one signs in and is kept in sessionStorage only', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE, { expected: /401/ });
    await page.goto(`${s.base}/console/`);
    assert.equal(await page.getAttribute('#admin-token', 'type'), 'password');
    await page.fill('#admin-token', 'not-the-token');
    await page.click('#signin-submit');
    await page.locator('[data-testid="signin-error"]', { hasText: 'invalid admin token' }).waitFor();
    await signInConsole(page, s.base, s.adminToken);
    for (const [nav, path] of [
      ['apps', '#/apps'],
      ['accounts', '#/accounts'],
      ['templates', '#/templates'],
      ['campaigns', '#/campaigns'],
      ['data', '#/data'],
      ['dead-letters', '#/dead-letters'],
      ['streams', '#/streams'],
      ['config', '#/config'],
    ] as const) {
      await page.click(`[data-testid="nav-${nav}"]`);
      assert.equal(new URL(page.url()).hash, path);
      assert.equal(await page.getAttribute(`[data-testid="nav-${nav}"]`, 'aria-current'), 'page');
    }
    const stored = await page.evaluate<{ s: string | null; l: string[] }>(
      "({ s: sessionStorage.getItem('pl.admin'), l: Object.keys(localStorage) })",
    );
    assert.equal(stored.s, s.adminToken);
    assert.ok(!stored.l.some((k) => notLanguageKey(k)), 'nothing secret in localStorage');
    assert.ok(!page.url().includes(s.adminToken));
    await page.click('[data-testid="sign-out"]');
    await page.locator('#admin-token').waitFor();
    assert.deepEqual(problems, []);
  });

  test('the language follows the browser, and the 中文 / English control switches every label', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE, { lang: 'zh' });
    await signInConsole(page, s.base, s.adminToken);
    assert.equal(await page.textContent('[data-testid="nav-apps"]'), '应用');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.click('[data-testid="lang-en"]');
    assert.equal(await page.textContent('[data-testid="nav-apps"]'), 'Apps');
    assert.equal(await page.textContent('[data-testid="nav-dead-letters"]'), 'Dead letters');
    assert.equal(await page.getAttribute('[data-testid="lang-en"]', 'aria-pressed'), 'true');
    // The choice outlives a reload; the token does too (same tab).
    await page.reload();
    assert.equal(await page.textContent('[data-testid="nav-apps"]'), 'Apps');
    await page.click('[data-testid="lang-zh"]');
    assert.equal(await page.textContent('[data-testid="nav-config"]'), '配置');
    assert.deepEqual(problems, []);
  });

  test('at 390 px the navigation folds into a menu that the keyboard can open', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, NARROW);
    await signInConsole(page, s.base, s.adminToken);
    assert.equal(await page.isVisible('[data-testid="nav-apps"]'), false);
    await page.focus('[data-testid="nav-toggle"]');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="nav-apps"]').waitFor({ state: 'visible' });
    await page.focus('[data-testid="nav-streams"]');
    await page.keyboard.press('Enter');
    assert.equal(new URL(page.url()).hash, '#/streams');
    assert.equal(await page.isVisible('[data-testid="nav-apps"]'), false);
    // Nothing is wider than the screen.
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= NARROW.width, `page is ${width}px wide`);
    assert.deepEqual(problems, []);
  });
});

/** Keys the console may keep in localStorage (the language choice): never a token. */
function notLanguageKey(key: string): boolean {
  return key !== 'pl.lang';
}
