import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { consoleRoutes } from '../api/console/routes.ts';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { testEnvironment } from '../config/test-env.ts';
import { type Core, openCore } from '../process/core.ts';
import type { Closer } from '../process/shutdown.ts';
import { startScheduler } from '../scheduler/scheduler.ts';
import { platformEnv } from './platform.ts';
import { startStack } from './stack.ts';
import { testDb, testRedis } from './testkit.ts';

/** Debian's Chromium, driven by playwright-core (no browser is ever downloaded). */
export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests must skip here, or undefined when Chromium is installed. */
export const chromiumMissing = (): string | undefined =>
  existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install -y chromium)`;

/** The two widths the console must work at. */
export const WIDE = { width: 1280, height: 900 } as const;
export const NARROW = { width: 390, height: 844 } as const;

/**
 * The whole platform in this process for a console test: its own Redis prefix and MariaDB
 * database, ingest serving `/console` with the standard routers, a handler, an aggregator and,
 * when asked, a scheduler (200 ms ticks, for cron runs). `close()` stops everything.
 *
 * @example const s = await startConsoleStack('console-apps'); … await s.close();
 */
export async function startConsoleStack(
  name: string,
  opts: { scheduler?: boolean; env?: Record<string, string> } = {},
): Promise<{ core: Core; base: string; adminToken: string; close: () => Promise<void> }> {
  const r = await testRedis();
  const t = await testDb('mysql');
  const core = await openCore(
    withDevSecrets(
      loadConfig(
        platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { EVENT_PARTITIONS: '2', ...opts.env }),
      ),
    ),
    name,
  );
  // CONSOLE_BUILT_DIR: a build other than pkg/api/console/built/ (deploy/console-build.mjs --out).
  const dir = testEnvironment().consoleBuiltDir;
  const pages = consoleRoutes(dir ? { dir: pathToFileURL(`${resolve(dir)}/`) } : {});
  const stack = await startStack(core, { pages });
  const closers: Closer[] = [...stack.closers];
  if (opts.scheduler) {
    const scheduler = startScheduler(core, { tickMs: 200, moverIntervalMs: 200 });
    closers.push(...scheduler.closers);
  }
  return {
    core,
    base: stack.base,
    adminToken: core.config.adminToken,
    close: async () => {
      for (const c of [...closers].reverse()) await c.close();
      await r.cleanup();
      await t.cleanup();
    },
  };
}

/** Launches headless Chromium with the flags this machine needs (no sandbox, no GPU, no network chatter). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new page at `size` in `lang` (the browser's language, which the console follows), with every
 * page error, failed request and console error collected in `problems` — a test ends by
 * asserting it is empty ("no console errors"). Answers the test provokes on purpose (a 4xx it
 * expects) are logged by Chromium as "Failed to load resource"; pass them as `expected`.
 *
 * @example const { page, problems } = await consolePage(browser, WIDE);
 */
export async function consolePage(
  browser: Browser,
  size: { width: number; height: number },
  opts: { lang?: 'en' | 'zh'; expected?: RegExp } = {},
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: size,
    locale: opts.lang === 'zh' ? 'zh-CN' : 'en-US',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    if (
      opts.expected?.test(text) ||
      (m.type() === 'error' && /Failed to load resource.*4\d\d/.test(text) && opts.expected)
    )
      return;
    problems.push(`console ${m.type()}: ${text}`);
  });
  return { page, problems };
}

/**
 * Opens the console and signs in with the admin token; resolves once the navigation shows.
 *
 * @example await signInConsole(page, s.base, s.adminToken);
 */
export async function signInConsole(
  page: Page,
  base: string,
  adminToken: string,
  path = '#/templates',
): Promise<void> {
  await page.goto(`${base}/console/${path}`);
  await page.fill('#admin-token', adminToken);
  await page.click('#signin-submit');
  await page.locator('[data-testid="sign-out"]').waitFor();
}

const SHOTS_TMP = new URL('../../.tmp/console-shots/', import.meta.url);
const SHOTS_README = new URL('../api/console/screenshots/', import.meta.url);

/**
 * A PNG of the page: always under .tmp/console-shots/, and under pkg/api/console/screenshots/
 * (the README's pictures) when CONSOLE_SCREENSHOTS=1, so a plain test run leaves the tree clean.
 *
 * @example await screenshot(page, 'templates');
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dirs = testEnvironment().consoleScreenshots ? [SHOTS_TMP, SHOTS_README] : [SHOTS_TMP];
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: new URL(`${name}.png`, dir).pathname, fullPage: true });
  }
}
