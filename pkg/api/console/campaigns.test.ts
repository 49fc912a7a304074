import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
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

const ROWS = 300;
/** Every 5 seconds (cron-parser's six-field form): the soonest real fire a test can wait for. */
const EVERY_5S = '*/5 * * * * *';
const WAIT = { timeout: 20_000 };

describe('console campaigns in headless Chromium: cron, crowd upload, run history', () => {
  const skip = chromiumMissing();
  let s: Awaited<ReturnType<typeof startConsoleStack>>;
  let browser: Browser;
  let templateId: number;
  let appId: number;
  let accountId: number;

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.status === 204 ? undefined : ((await res.json()) as { id: number });
  };

  before(async () => {
    if (skip) return;
    s = await startConsoleStack('console-campaigns', { scheduler: true });
    browser = await launchChromium();
    const app = await admin('POST', '/v1/admin/apps', { name: 'newsletter' });
    const account = await admin('POST', '/v1/admin/accounts', {
      name: 'sandbox',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    appId = app!.id;
    accountId = account!.id;
    templateId = (await admin('POST', '/v1/admin/templates', {
      name: 'weekly digest',
      channel: 'sandbox',
      messageType: 'marketing',
      accountId: account!.id,
      appId: app!.id,
      content: { text: 'Hello {$name}, here is your digest' },
    }))!.id;
  });
  after(async () => {
    if (skip) return;
    await browser.close();
    await s.close();
  });

  test('upload a crowd with progress, set a cron with its next times, watch the run reach every row', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE, { expected: /422/ });
    await signInConsole(page, s.base, s.adminToken, '#/campaigns');
    // The template has no cron yet: it is offered in the schedule form, not listed.
    await page.locator('[data-testid="campaign-new-template"]').waitFor(WAIT);
    assert.equal(await page.locator('[data-testid="campaigns-table"]').count(), 0);
    await page.goto(`${s.base}/console/#/campaigns/${templateId}`);
    await page.locator('[data-testid="crowd-file"]').waitFor(WAIT);

    const csv = `receiver,name\n${Array.from({ length: ROWS }, (_, i) => `reader-${i}@x.test,Reader ${i}`).join('\n')}\n`;
    await page.setInputFiles('[data-testid="crowd-file"]', {
      name: 'readers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.click('[data-testid="crowd-upload"]');
    await page.locator('[data-testid="upload-result"]', { hasText: `${ROWS} rows` }).waitFor(WAIT);
    assert.equal(await page.getAttribute('[data-testid="upload-progress"]', 'aria-valuenow'), '100');
    assert.match((await page.textContent('[data-testid="upload-bytes"]')) ?? '', /kB of .* kB sent/);
    await page.locator('[data-testid="crowd-files"] tr', { hasText: 'readers.csv' }).waitFor(WAIT);

    // A bad expression is refused with the server's reason, live, before anything is saved.
    await page.fill('[data-testid="cron-input"]', 'every day');
    await page
      .locator('[data-testid="cron-editor"] .bad-text', { hasText: 'invalid cron expression' })
      .waitFor(WAIT);
    await page.fill('[data-testid="cron-input"]', EVERY_5S);
    await page.locator('[data-testid="next-times"] [data-testid="next-time"]').nth(4).waitFor(WAIT);
    assert.equal(await page.locator('[data-testid="next-times"] [data-testid="next-time"]').count(), 5);
    await page.click('[data-testid="cron-save"]');
    await page.locator('[data-testid="cron-ok"]').waitFor(WAIT);

    // The scheduler fires within five seconds; the history shows the run and its counts.
    const done = page.locator('[data-testid="runs-table"] tr[data-status="done"]').first();
    await done.waitFor({ timeout: 30_000 });
    assert.equal((await done.locator('[data-testid="run-accepted"]').textContent())?.trim(), String(ROWS));
    assert.equal((await done.locator('[data-testid="run-read"]').textContent())?.trim(), `${ROWS} / ${ROWS}`);
    await screenshot(page, 'campaigns');

    // Pausing stops the runs; the list now shows the campaign with its cron, next times and file.
    await page.click('[data-testid="campaign-toggle"]');
    await page.locator('[data-testid="campaign-page"] .pill.paused').waitFor(WAIT);
    await page.click('[data-testid="campaign-back"]');
    const row = page.locator(`[data-testid="campaign-row-${templateId}"]`);
    await row.locator('[data-testid="next-time"]').nth(4).waitFor(WAIT);
    assert.match((await row.textContent()) ?? '', /\*\/5 \* \* \* \* \*.*readers\.csv/);
    assert.deepEqual(problems, []);
  });

  test('the schedule form gives a template its first cron; a crowd file is deleted only after a confirm', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    const other = await admin('POST', '/v1/admin/templates', {
      name: 'birthday wishes',
      channel: 'sandbox',
      messageType: 'notice',
      accountId,
      appId,
      content: { text: 'Happy birthday {$name}' },
    });
    await signInConsole(page, s.base, s.adminToken, '#/campaigns');
    await page.locator(`[data-testid="campaign-new-template"] option[value="${other!.id}"]`).waitFor({
      state: 'attached',
      ...WAIT,
    });
    await page.selectOption('[data-testid="campaign-new-template"]', String(other!.id));
    await page.fill('[data-testid="campaign-new-cron"]', '0 9 * * 1-5');
    await page.locator('[data-testid="campaign-new-next"] [data-testid="next-time"]').nth(4).waitFor(WAIT);
    await page.click('[data-testid="campaign-new-save"]');
    await page.locator('[data-testid="campaign-page"]').waitFor(WAIT);
    assert.equal(new URL(page.url()).hash, `#/campaigns/${other!.id}`);
    assert.equal(await page.inputValue('[data-testid="cron-input"]'), '0 9 * * 1-5');
    await page.locator('[data-testid="next-times"] [data-testid="next-time"]').nth(4).waitFor(WAIT);

    await page.setInputFiles('[data-testid="crowd-file"]', {
      name: 'friends.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('receiver,name\nann@x.test,Ann\nbob@x.test,Bob\n'),
    });
    await page.click('[data-testid="crowd-upload"]');
    await page.locator('[data-testid="upload-result"]', { hasText: '2 rows' }).waitFor(WAIT);
    const del = page.locator('[data-testid^="crowd-delete-"]').first();
    await del.click();
    await page.locator('[data-testid$="-confirm"]').click();
    await page.locator('[data-testid="crowd-card"] .muted', { hasText: 'No crowd file yet' }).waitFor(WAIT);
    assert.equal(await page.locator('[data-testid="crowd-files"]').count(), 0);
    assert.deepEqual(problems, []);
  });

  test('at 390 px the campaign page fits the screen', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, NARROW);
    await signInConsole(page, s.base, s.adminToken, `#/campaigns/${templateId}`);
    await page.locator('[data-testid="runs-table"]').waitFor(WAIT);
    await page.locator('[data-testid="crowd-files"]').waitFor(WAIT);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= NARROW.width, `page is ${width}px wide`);
    assert.deepEqual(problems, []);
  });
});
