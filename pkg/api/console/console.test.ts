import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../config/config.ts';
import { withDevSecrets } from '../../config/dev-secrets.ts';
import { type Core, openCore } from '../../process/core.ts';
import type { Closer } from '../../process/shutdown.ts';
import { platformEnv, sandboxTemplate } from '../../testkit/platform.ts';
import { startStack } from '../../testkit/stack.ts';
import { testDb, testRedis, waitFor } from '../../testkit/testkit.ts';
import { consoleRoutes } from './routes.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = new URL('../../../.tmp/console.png', import.meta.url).pathname;

describe('GET /console (in process)', () => {
  const app = consoleRoutes({ title: 'pushline <test>' });

  test('serves one self-contained page whose CSP allows exactly its inline script and style', async () => {
    const res = await app.request('/console');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    for (const id of [
      'admin-token',
      'app-key',
      'templates-body',
      'send-form',
      'inbox-body',
      'trace-form',
      'events-list',
    ])
      assert.ok(html.includes(`id="${id}"`), id);
    // Title is escaped; nothing is loaded from elsewhere.
    assert.ok(html.includes('pushline &lt;test&gt; console'));
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*)<\/style>/.exec(html)![1]!;
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.ok(csp.includes(`script-src ${hash(script)}`), csp);
    assert.ok(csp.includes(`style-src ${hash(style)}`), csp);
    assert.ok(csp.includes("default-src 'none'") && csp.includes("connect-src 'self'"));
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('other methods and paths are not served by the console router', async () => {
    assert.equal((await app.request('/console', { method: 'POST' })).status, 404);
    assert.equal((await app.request('/console/x')).status, 404);
  });
});

describe('console in headless Chromium against the real ingest, handler and aggregator', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let base = '';
  let templateId = 0;
  const closers: Closer[] = [];
  const skip = !existsSync(CHROMIUM)
    ? `${CHROMIUM} is not installed (apt-get install -y chromium)`
    : undefined;

  before(async () => {
    if (skip) return;
    r = await testRedis();
    t = await testDb('mysql');
    core = await openCore(
      withDevSecrets(
        loadConfig(
          platformEnv(
            { prefix: r.prefix, databaseUrl: t.url },
            {
              EVENT_PARTITIONS: '2',
            },
          ),
        ),
      ),
      'console-test',
    );
    const stack = await startStack(core, { pages: consoleRoutes({}) });
    base = stack.base;
    closers.push(...stack.closers);
    templateId = (
      await sandboxTemplate(
        core.repos,
        { text: 'Hello {$name}, welcome aboard' },
        { name: 'welcome', appId: (await core.repos.apps.create({ name: 'owner' })).app.id },
      )
    ).templateId;
  });

  after(async () => {
    if (skip) return;
    for (const c of [...closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  test('paste the admin token, create an app key, send, and see the message in inbox, trace and live tail', async (tc) => {
    if (skip) return tc.skip(skip);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
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
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/401|404/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      await page.goto(`${base}/console`);
      await page.fill('#admin-token', core.config.adminToken);
      await page.click('#token-save');
      await page.locator('#templates-body tr', { hasText: 'welcome' }).waitFor();
      await page.click('#app-create');
      // Polled from Node: page.waitForFunction would eval in the page, which the CSP forbids.
      await waitFor('app key filled in', async () => (await page.inputValue('#app-key')).length > 10);
      // Templates belong to one app: share the owner's template with the app the page made.
      const made = (await core.repos.apps.list({})).items.map((a) => a.id);
      await core.repos.templates.update(templateId, { sharedWithApps: made });

      // Bad variables never reach the API.
      await page.locator('#templates-body tr', { hasText: 'welcome' }).click();
      assert.equal(await page.inputValue('#send-template'), String(templateId));
      await page.fill('#send-receivers', 'ann@example.com');
      await page.fill('#send-variables', '{not json');
      await page.click('#send-submit');
      await page.locator('#send-status.bad', { hasText: 'JSON object' }).waitFor();

      await page.click('#events-toggle');
      await page.locator('#events-status.ok').waitFor();
      await page.fill('#send-variables', '{"name": "Ann"}');
      await page.click('#send-submit');
      await page.locator('#send-status.ok', { hasText: 'Accepted 1 message' }).waitFor();

      const row = page.locator('#inbox-body tr', { hasText: 'ann@example.com' });
      await row.waitFor({ timeout: 15_000 });
      assert.match((await row.textContent()) ?? '', /Hello Ann, welcome aboard/);
      const messageId = ((await page.locator('#send-ids a').first().textContent()) ?? '').trim();
      assert.ok(((await row.textContent()) ?? '').includes(messageId));

      // The live tail shows the message reaching `sent`.
      await page
        .locator('#events-list li', { hasText: messageId })
        .filter({ hasText: 'sent' })
        .first()
        .waitFor({
          timeout: 15_000,
        });
      // The trace (from the ledger record) shows the timeline up to `sent`.
      for (let i = 0; i < 50; i++) {
        await row.locator('a.id').click();
        if ((await page.locator('#trace-summary .pill.sent').count()) > 0) break;
        await page.waitForTimeout(200);
      }
      const timeline = (await page.locator('#trace-timeline').textContent()) ?? '';
      assert.match(timeline, /accepted/);
      assert.match(timeline, /sent/);

      // A platform error is shown with its code.
      await page.fill('#send-template', '999999');
      await page.click('#send-submit');
      await page.locator('#send-status.bad', { hasText: 'TEMPLATE_NOT_FOUND' }).waitFor();
      await page.fill('#send-template', String(templateId));
      await page.click('#send-submit');
      await page.locator('#send-status.ok').waitFor();

      mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(problems, []);
      // The token lives in sessionStorage only.
      // A string expression (this project compiles without the DOM library); CDP evaluates it.
      const stored = await page.evaluate<{ s: string | null; l: number }>(
        "({ s: sessionStorage.getItem('pl.admin'), l: localStorage.length })",
      );
      assert.equal(stored.s, core.config.adminToken);
      assert.equal(stored.l, 0);
    } finally {
      await browser.close();
    }
  });
});
