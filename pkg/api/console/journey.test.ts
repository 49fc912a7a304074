import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  chromiumMissing,
  consolePage,
  launchChromium,
  NARROW,
  screenshot,
  signInConsole,
  startConsoleStack,
  WIDE,
} from '../../testkit/console.ts';
import { waitFor } from '../../testkit/testkit.ts';

// An operator's first hour, through the console only, on the whole platform (ingest, handler,
// aggregator, scheduler, real Redis and MariaDB): an app and two sandbox accounts, a template
// built in the editor with its live preview, a test send followed to `sent` in its timeline and
// counted in the chart, a campaign with a CSV whose cron run is watched to the end, a dead letter
// replayed once the template is moved to a working account; then the same in Chinese and at 390 px.
const T = { timeout: 20_000 };
const ROWS = 40;
const BLOCKED = 'blocked@example.com';

describe('the operator journey in headless Chromium', () => {
  const skip = chromiumMissing();
  let s: Awaited<ReturnType<typeof startConsoleStack>>;
  let browser: Browser;
  const tid = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
  const admin = async <R>(path: string): Promise<R> => {
    const res = await fetch(`${s.base}${path}`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    assert.equal(res.status, 200, path);
    return (await res.json()) as R;
  };
  const idOf = async (kind: 'apps' | 'accounts' | 'templates', name: string): Promise<number> =>
    (await admin<{ items: { id: number; name: string }[] }>(`/v1/admin/${kind}?limit=100`)).items.find(
      (x) => x.name === name,
    )!.id;
  /** Picks `value` in a select once the option has loaded (lists come from the API). */
  const pick = async (page: Page, id: string, value: string) => {
    await page.locator(`[data-testid="${id}"] option[value="${value}"]`).waitFor({ state: 'attached', ...T });
    await tid(page, id).selectOption(value);
  };
  let templateId = 0;
  let messageId = '';

  before(async () => {
    if (skip) return;
    s = await startConsoleStack('console-journey', { scheduler: true });
    browser = await launchChromium();
  });
  after(async () => {
    if (skip) return;
    await browser.close();
    await s.close();
  });

  test('app, accounts, template with preview, test send to sent in the timeline and the chart', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    await signInConsole(page, s.base, s.adminToken, '#/apps');

    await tid(page, 'app-create').click();
    await tid(page, 'app-name').fill('shop');
    await tid(page, 'app-save').click();
    assert.match((await tid(page, 'app-key-once').textContent(T)) ?? '', /^pk_/);
    await tid(page, 'app-key-once-dismiss').click();
    const appId = await idOf('apps', 'shop');

    await tid(page, 'nav-accounts').click();
    for (const [name, rejected] of [
      ['sandbox-main', ''],
      ['sandbox-strict', BLOCKED],
    ] as const) {
      await tid(page, 'account-create').click();
      await tid(page, 'account-name').fill(name);
      await pick(page, 'account-channel', 'sandbox');
      await tid(page, 'cfg-rejectReceivers').waitFor(T);
      if (rejected) await tid(page, 'cfg-rejectReceivers').fill(rejected);
      await tid(page, 'account-save').click();
      await page.locator('[data-testid^="account-row-"]', { hasText: name }).waitFor(T);
    }
    const mainId = await idOf('accounts', 'sandbox-main');
    const strictId = await idOf('accounts', 'sandbox-strict');

    await tid(page, 'nav-templates').click();
    await tid(page, 'template-new').click();
    await tid(page, 'template-form').waitFor(T);
    await tid(page, 'template-name').fill('order-shipped');
    await pick(page, 'template-app', String(appId));
    await pick(page, 'template-channel', 'sandbox');
    await pick(page, 'template-account', String(mainId));
    await tid(page, 'content-text').fill('Hello {$name}, order {$order} has shipped');
    await tid(page, 'template-variables').fill('{ "name": "Ann", "order": "A-1001" }');
    await tid(page, 'preview-text').filter({ hasText: 'Hello Ann, order A-1001 has shipped' }).waitFor(T);
    await tid(page, 'template-save').click();
    await tid(page, 'template-meta').waitFor(T);
    templateId = await idOf('templates', 'order-shipped');
    assert.equal(new URL(page.url()).hash, `#/templates/${templateId}`);

    await tid(page, 'template-test').click();
    await tid(page, 'test-send-receiver').fill('ann@example.com');
    await tid(page, 'test-send-submit').click();
    const link = tid(page, 'test-send-message').first();
    await link.waitFor(T);
    messageId = ((await link.textContent()) ?? '').trim();
    await tid(page, 'test-send-delivered-text')
      .filter({ hasText: 'Hello Ann, order A-1001 has shipped' })
      .waitFor(T);
    await link.click();
    // The timeline follows the message on its own until it is sent.
    await page.locator('[data-testid="timeline-item"][data-state="sent"]').waitFor(T);
    const states = await page
      .locator('[data-testid="timeline-item"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    assert.equal(states[0], 'accepted');
    assert.ok(states.includes('sent'), states.join(' '));
    await screenshot(page, 'data-timeline');

    await tid(page, 'nav-data').click();
    await pick(page, 'charts-template', String(templateId));
    await waitFor('the chart counts the test send', async () => {
      await tid(page, 'charts-show').click();
      return (
        (await tid(page, 'stat-total-sent')
          .textContent({ timeout: 2000 })
          .catch(() => '')) === '1'
      );
    });
    await page.locator('[data-testid="day-chart"][data-ready="true"] canvas').waitFor(T);
    await page.locator('[data-testid="hour-chart"][data-ready="true"] canvas').waitFor(T);
    await screenshot(page, 'data-charts');
    assert.equal(strictId > mainId, true);
    assert.deepEqual(problems, []);
  });

  test('a campaign: CSV uploaded with progress, its cron run watched to the end', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    await signInConsole(page, s.base, s.adminToken, `#/campaigns/${templateId}`);
    const csv = `receiver,name,order\n${Array.from({ length: ROWS }, (_, i) => `reader-${i}@example.com,Reader ${i},B-${i}`).join('\n')}\n`;
    await page.setInputFiles('[data-testid="crowd-file"]', {
      name: 'readers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await tid(page, 'crowd-upload').click();
    await tid(page, 'upload-result').waitFor(T);
    assert.equal(await page.getAttribute('[data-testid="upload-progress"]', 'aria-valuenow'), '100');
    await page.locator('[data-testid="crowd-files"] tr', { hasText: 'readers.csv' }).waitFor(T);

    // Every 5 s: the next fire times show as it is typed; the first run sends to the file.
    await tid(page, 'cron-input').fill('*/5 * * * * *');
    await page.locator('[data-testid="next-times"] [data-testid="next-time"]').nth(4).waitFor(T);
    await tid(page, 'cron-save').click();
    await tid(page, 'cron-ok').waitFor(T);
    const done = page.locator('[data-testid="runs-table"] tr[data-status="done"]').first();
    await done.waitFor({ timeout: 30_000 });
    assert.equal((await done.locator('[data-testid="run-accepted"]').textContent())?.trim(), String(ROWS));
    await screenshot(page, 'campaigns');
    // Cleared, it fires no more.
    await tid(page, 'cron-clear').click();
    await tid(page, 'cron-clear-confirm').click();
    await waitFor('the cron cleared', async () => {
      const t = await admin<{ cron: string | null }>(`/v1/admin/templates/${templateId}`);
      return t.cron === null;
    });
    assert.deepEqual(problems, []);
  });

  test('a dead letter replayed after the template moves to a working account', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    await signInConsole(page, s.base, s.adminToken, `#/templates/${templateId}`);
    const mainId = await idOf('accounts', 'sandbox-main');
    const strictId = await idOf('accounts', 'sandbox-strict');
    await pick(page, 'template-account', String(strictId));
    await tid(page, 'template-save').click();
    await tid(page, 'template-saved').waitFor(T);
    await tid(page, 'template-test').click();
    await tid(page, 'test-send-receiver').fill(BLOCKED);
    await tid(page, 'test-send-variables').fill('{ "name": "Bo", "order": "A-1002" }');
    await tid(page, 'test-send-submit').click();
    const refused = ((await tid(page, 'test-send-message').first().textContent(T)) ?? '').trim();
    await page.keyboard.press('Escape');

    await tid(page, 'nav-dead-letters').click();
    const row = page.locator(`[data-testid="dl-row"][data-message="${refused}"]`);
    await waitFor('the refused message dead-lettered', async () => {
      await tid(page, 'dl-refresh').click();
      return (await row.count()) === 1;
    });
    await row.locator('[data-testid="dl-open"]').click();
    assert.match((await tid(page, 'dl-detail-facts').textContent(T)) ?? '', /SANDBOX_REJECTED/);
    await page.keyboard.press('Escape');

    // The fix: the template goes back to the account that accepts everyone; then replay.
    await tid(page, 'nav-templates').click();
    await tid(page, `edit-${templateId}`).click();
    await pick(page, 'template-account', String(mainId));
    await tid(page, 'template-save').click();
    await tid(page, 'template-saved').waitFor(T);
    await tid(page, 'nav-dead-letters').click();
    await row.locator('[data-testid="dl-open"]').click(T);
    await tid(page, 'dl-detail-replay').click();
    await tid(page, 'dl-done').waitFor(T);
    await page.goto(`${s.base}/console/#/data/messages/${encodeURIComponent(refused)}`);
    await page.locator('[data-testid="timeline-item"][data-state="sent"]').waitFor(T);
    const states = await page
      .locator('[data-testid="timeline-item"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    assert.ok(states.includes('dead_lettered') && states.includes('replayed'), states.join(' '));
    assert.deepEqual(problems, []);
  });

  test('in Chinese and at 390 px: labels switch, the pages fit the screen', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE, { lang: 'zh' });
    await signInConsole(page, s.base, s.adminToken, '#/templates');
    await tid(page, `template-row-${templateId}`).waitFor(T);
    assert.equal(await tid(page, 'nav-templates').textContent(), '消息模板');
    assert.match((await tid(page, 'template-new').textContent()) ?? '', /[\u4e00-\u9fff]/);
    await screenshot(page, 'templates-zh');
    await tid(page, 'lang-en').click();
    assert.equal(await tid(page, 'nav-templates').textContent(), 'Templates');
    assert.deepEqual(problems, []);

    const narrow = await consolePage(browser, NARROW);
    await signInConsole(
      narrow.page,
      s.base,
      s.adminToken,
      `#/data/messages/${encodeURIComponent(messageId)}`,
    );
    await narrow.page.locator('[data-testid="timeline-item"][data-state="sent"]').waitFor(T);
    for (const hash of [
      '#/templates',
      '#/campaigns',
      '#/data',
      '#/dead-letters',
      '#/config',
      '#/apps',
      '#/accounts',
    ]) {
      await narrow.page.goto(`${s.base}/console/${hash}`);
      await narrow.page.locator('[data-testid="sign-out"]').waitFor(T);
      await narrow.page.locator('.page-head h1').waitFor(T);
      const width = await narrow.page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= NARROW.width, `${hash} is ${width}px wide at 390`);
    }
    await screenshot(narrow.page, 'accounts-narrow');
    assert.deepEqual(narrow.problems, []);
  });
});
