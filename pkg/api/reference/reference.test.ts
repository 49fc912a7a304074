import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { standardRouters } from '../../../services/ingest/routers.ts';
import { startIngest } from '../../../services/ingest/wire.ts';
import { loadConfig } from '../../config/config.ts';
import { withDevSecrets } from '../../config/dev-secrets.ts';
import { type Core, openCore } from '../../process/core.ts';
import type { Closer } from '../../process/shutdown.ts';
import { platformEnv } from '../../testkit/platform.ts';
import { testDb, testRedis } from '../../testkit/testkit.ts';
import { referenceRoutes } from './routes.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = new URL('../../../.tmp/docs.png', import.meta.url).pathname;
const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

describe('GET /docs (in process)', () => {
  const app = referenceRoutes({ title: 'pushline <docs>' });

  test('serves a page that loads only its own files, under a CSP of its own origin', async () => {
    const res = await app.request('/docs');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.ok(html.includes('<title>pushline &lt;docs&gt;</title>'));
    assert.ok(html.includes('data-spec="/openapi.json"'));
    assert.doesNotMatch(html, /https?:\/\//, 'no absolute URL: nothing from a CDN');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(
      refs.map((u) => u.replace(/\?v=[0-9a-f]{12}$/, '')),
      ['data:,', '/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/init.js'],
    );
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const part of [
      "default-src 'none'",
      "script-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
    ])
      assert.ok(csp.includes(part), part);
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
  });

  test("assets are swagger-ui-dist's files, gzipped when asked, cacheable for good", async () => {
    const html = await (await app.request('/docs')).text();
    const bundleUrl = /src="(\/docs\/assets\/swagger-ui-bundle\.js\?v=\w+)"/.exec(html)![1]!;
    const plain = await app.request(bundleUrl);
    assert.equal(plain.status, 200);
    assert.match(plain.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(plain.headers.get('cache-control') ?? '', /immutable/);
    const bytes = Buffer.from(await plain.arrayBuffer());
    assert.ok(bytes.equals(readFileSync(join(swaggerDir, 'swagger-ui-bundle.js'))));
    const zipped = await app.request(bundleUrl, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(zipped.headers.get('content-encoding'), 'gzip');
    const z = Buffer.from(await zipped.arrayBuffer());
    assert.ok(z.length < bytes.length / 2 && gunzipSync(z).equals(bytes));
    const css = await app.request('/docs/assets/swagger-ui.css');
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    for (const bad of ['/docs/assets/nope.js', '/docs/assets/__proto__', '/docs/assets/..%2Fpackage.json'])
      assert.equal((await app.request(bad)).status, 404, bad);
  });
});

describe('the reference page in headless Chromium, on the real ingest app', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let base = '';
  const closers: Closer[] = [];
  const skip = !existsSync(CHROMIUM)
    ? `${CHROMIUM} is not installed and could not be (apt-get install -y chromium)`
    : undefined;

  before(async () => {
    if (skip) return;
    r = await testRedis();
    t = await testDb('sqlite');
    core = await openCore(
      withDevSecrets(loadConfig(platformEnv({ prefix: r.prefix, databaseUrl: t.url }))),
      'docs-test',
    );
    const { routers, closers: routerClosers } = standardRouters(core);
    const ingest = await startIngest(core, { ...routers, pages: referenceRoutes() });
    base = `http://127.0.0.1:${ingest.port}`;
    closers.push(...core.closers, ...routerClosers, ...ingest.closers);
  });

  after(async () => {
    if (skip) return;
    for (const c of [...closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  test('renders every operation of /openapi.json, tries one out, and calls nothing but localhost', async (tc) => {
    if (skip) return tc.skip(skip);
    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[] }>>;
    };
    const ops = Object.values(spec.paths).flatMap((item) => Object.values(item));
    const summaries = ops.map((op) => op.summary);
    const tags = [...new Set(ops.flatMap((op) => op.tags ?? []))];
    for (const tag of ['Admin: apps', 'Admin: accounts', 'Config', 'Operations', 'Callbacks'])
      assert.ok(tags.includes(tag), tag);
    assert.ok(summaries.length > 30 && summaries.every(Boolean), 'every operation has a summary');

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const requested: string[] = [];
      const problems: string[] = [];
      page.on('request', (req) => requested.push(req.url()));
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      // Anything not for this server is refused before it leaves (and still listed above).
      await page.route('**/*', (route) =>
        route.request().url().startsWith(`${base}/`) ? route.continue() : route.abort(),
      );

      await page.goto(`${base}/docs`);
      await page.locator('.opblock-tag', { hasText: 'Admin: apps' }).waitFor();
      await page.locator('.opblock-summary-description', { hasText: 'Create an app' }).waitFor();
      const shown = new Set(
        (await page.locator('.opblock-summary-description').allTextContents()).map((s) => s.trim()),
      );
      assert.deepEqual(
        summaries.filter((s) => !shown.has(s!)),
        [],
        'operations of the spec missing on the page',
      );
      for (const tag of tags) assert.ok(await page.locator('.opblock-tag', { hasText: tag }).count(), tag);

      // "Try it out" calls this server: the liveness probe answers through the page.
      const health = page.locator('.opblock', { hasText: 'Liveness: the process answers' });
      await health.locator('.opblock-summary').click();
      await health.locator('button.try-out__btn').click();
      await health.locator('button.execute').click();
      await health.locator('.live-responses-table .response-col_status', { hasText: '200' }).waitFor();
      assert.match((await health.locator('.live-responses-table').textContent()) ?? '', /"status": "ok"/);

      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      const outside = requested.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:'));
      assert.deepEqual(outside, [], 'requests outside localhost');
      assert.ok(requested.includes(`${base}/openapi.json`), 'the page loads our spec');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
