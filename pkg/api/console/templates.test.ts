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

const WAIT = { timeout: 20_000 };

describe('console Templates page in headless Chromium', () => {
  const skip = chromiumMissing();
  let s: Awaited<ReturnType<typeof startConsoleStack>>;
  let browser: Browser;
  let appId = 0;
  let accountId = 0;
  let templateId = 0;

  const admin = async <T>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
    const res = await fetch(`${s.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const tid = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

  before(async () => {
    if (skip) return;
    s = await startConsoleStack('console-templates');
    browser = await launchChromium();
    appId = (await admin<{ id: number }>('/v1/admin/apps', { name: 'shop' })).body.id;
    await admin('/v1/admin/apps', { name: 'crm' });
    accountId = (
      await admin<{ id: number }>('/v1/admin/accounts', {
        name: 'sandbox-main',
        channel: 'sandbox',
        provider: 'sandbox',
        config: {},
      })
    ).body.id;
    // Neighbours in the list, so the filter has something to hide.
    for (const [name, messageType, text] of [
      ['login-code', 'auth', 'Your code is {$code}'],
      ['spring-sale', 'marketing', 'Spring sale: {$discount} off'],
      ['invoice-ready', 'notice', 'Invoice {$invoice} is ready'],
    ] as const) {
      const r = await admin('/v1/admin/templates', {
        name,
        channel: 'sandbox',
        messageType,
        accountId,
        appId,
        content: { text },
      });
      assert.equal(r.status, 201);
    }
  });
  after(async () => {
    if (skip) return;
    await browser.close();
    await s.close();
  });

  test('create in the editor with a live preview, filter, test send, pause / start, copy, delete', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE, { expected: /422/ });
    await signInConsole(page, s.base, s.adminToken, '#/templates');
    await tid(page, 'templates-table').waitFor(WAIT);
    await tid(page, 'template-new').click();
    await tid(page, 'template-form').waitFor(WAIT);
    await tid(page, 'template-app').selectOption(String(appId));
    // The channel's only account is chosen for a new template.
    await page
      .locator(`[data-testid="template-account"] option[value="${accountId}"]`)
      .waitFor({ state: 'attached', ...WAIT });
    assert.equal(await tid(page, 'template-account').inputValue(), String(accountId));
    await tid(page, 'content-text').fill('Hello {$name}, order {$order} has shipped');
    await tid(page, 'template-variables').fill('{ "name": "Ann", "order": "A-1001" }');
    await tid(page, 'preview-text').filter({ hasText: 'Hello Ann, order A-1001 has shipped' }).waitFor(WAIT);
    const found = await tid(page, 'preview-placeholders').textContent();
    assert.ok(found?.includes('name') && found.includes('order'), found ?? '');

    // An empty name: the API's 422 is shown next to the form and under the field.
    await tid(page, 'template-save').click();
    await tid(page, 'issue-name').waitFor(WAIT);
    await tid(page, 'template-issues').waitFor(WAIT);
    assert.equal(await tid(page, 'template-name').getAttribute('aria-invalid'), 'true');

    await tid(page, 'template-name').fill('order-shipped');
    await tid(page, 'template-shield').selectOption('delay');
    await tid(page, 'template-save').click();
    await tid(page, 'template-meta').waitFor(WAIT);
    templateId = Number(new URL(page.url()).hash.split('/').pop());
    const saved = await admin<{ name: string; shield: string; content: unknown; appId: number }>(
      `/v1/admin/templates/${templateId}`,
    );
    assert.equal(saved.body.name, 'order-shipped');
    assert.equal(saved.body.shield, 'delay');
    assert.equal(saved.body.appId, appId);
    assert.deepEqual(saved.body.content, { text: 'Hello {$name}, order {$order} has shipped' });
    await tid(page, 'preview-text').filter({ hasText: 'Hello Ann' }).waitFor(WAIT);
    await screenshot(page, 'template-editor');

    // The discard switch is this template's entry of the live config, and nothing else there.
    const discarded = async () =>
      (await admin<{ discardTemplateIds: number[] }>('/v1/admin/config')).body.discardTemplateIds;
    await tid(page, 'template-discard').check();
    await waitFor('the template in discardTemplateIds', async () => (await discarded()).includes(templateId));
    await tid(page, 'template-discard').uncheck();
    await waitFor(
      'the template out of discardTemplateIds',
      async () => !(await discarded()).includes(templateId),
    );

    // The list, then a filter that leaves only the new template.
    await tid(page, 'nav-templates').click();
    await tid(page, `template-row-${templateId}`).waitFor(WAIT);
    await screenshot(page, 'templates');
    await tid(page, 'filter-name').fill('order');
    await tid(page, 'filter-type').selectOption('notice');
    await tid(page, 'template-row-1').waitFor({ state: 'detached', ...WAIT });
    assert.equal(await page.locator('[data-testid^="template-row-"]').count(), 1);

    // Test send from the row: the accepted id links to the Data page; the sandbox "delivers" it.
    await tid(page, `test-${templateId}`).click();
    await tid(page, 'test-send-dialog').waitFor(WAIT);
    await tid(page, 'test-send-receiver').fill('ann@example.com');
    await tid(page, 'test-send-variables').fill('{ "name": "Ann", "order": "A-1001" }');
    await tid(page, 'test-send-submit').click();
    const link = tid(page, 'test-send-message');
    await link.waitFor(WAIT);
    const messageId = (await link.textContent()) ?? '';
    assert.equal(await link.getAttribute('href'), `#/data/messages/${messageId}`);
    await tid(page, 'test-send-delivered-text')
      .filter({ hasText: 'Hello Ann, order A-1001 has shipped' })
      .waitFor(WAIT);
    await screenshot(page, 'template-test-send');
    await page.keyboard.press('Escape');
    await tid(page, 'test-send-dialog').waitFor({ state: 'detached', ...WAIT });

    await tid(page, `pause-${templateId}`).click();
    await tid(page, `start-${templateId}`).waitFor(WAIT);
    assert.equal(
      (await admin<{ status: string }>(`/v1/admin/templates/${templateId}`)).body.status,
      'paused',
    );
    await tid(page, `start-${templateId}`).click();
    await tid(page, `pause-${templateId}`).waitFor(WAIT);
    assert.equal(
      (await admin<{ status: string }>(`/v1/admin/templates/${templateId}`)).body.status,
      'active',
    );

    // Copy opens the new template; then it is deleted from the list after a confirmation.
    await tid(page, `copy-${templateId}`).click();
    await waitFor(
      'the copy in the editor',
      async () =>
        (await tid(page, 'template-name').count()) &&
        (await tid(page, 'template-name').inputValue()) === 'order-shipped (copy)',
      20_000,
      100,
    );
    const copyId = Number(new URL(page.url()).hash.split('/').pop());
    assert.ok(copyId > templateId);
    await tid(page, 'nav-templates').click();
    await tid(page, `delete-${copyId}`).click();
    await tid(page, `delete-${copyId}-confirm`).click();
    await tid(page, `template-row-${copyId}`).waitFor({ state: 'detached', ...WAIT });
    assert.equal((await admin(`/v1/admin/templates/${copyId}`)).status, 404);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  test("the content form follows the channel's provider schema; email HTML previews as text", async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    await signInConsole(page, s.base, s.adminToken, '#/templates/new');
    await tid(page, 'template-channel').selectOption('email');
    for (const f of ['content-subject', 'content-html', 'content-text']) await tid(page, f).waitFor(WAIT);
    await tid(page, 'content-subject').fill('Hi {$name}');
    await tid(page, 'content-html').fill('<p>Hello <b>{$name}</b></p>');
    await tid(page, 'template-variables').fill('{ "name": "<Ann>" }');
    // Shown as text: the markup is visible, the variable HTML-escaped as the email would get it.
    await tid(page, 'preview-html').filter({ hasText: '<p>Hello <b>&lt;Ann&gt;</b></p>' }).waitFor(WAIT);
    assert.equal(await page.locator('[data-testid="template-preview"] b').count(), 0);

    await tid(page, 'template-channel').selectOption('sms');
    await tid(page, 'content-providers').waitFor(WAIT);
    assert.equal(await tid(page, 'template-account').inputValue(), '', 'an SMS template may be routed');

    await tid(page, 'template-channel').selectOption('wecom_robot');
    await tid(page, 'content-kind').selectOption('markdown');
    await tid(page, 'content-content').fill('**{$name}** deployed');
    await tid(page, 'preview-content').filter({ hasText: '**<Ann>** deployed' }).waitFor(WAIT);
    await tid(page, 'content-mode-json').click();
    const json = JSON.parse(await tid(page, 'content-json').inputValue());
    assert.deepEqual(json, { type: 'markdown', content: '**{$name}** deployed' });
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  test('at phone width (in Chinese) the editor opens and saves an edit', async (tc) => {
    if (skip) return tc.skip(skip);
    assert.ok(templateId > 0, 'the first test created the template');
    const before = (await admin<{ version: number }>(`/v1/admin/templates/${templateId}`)).body.version;
    const { page, problems } = await consolePage(browser, NARROW, { lang: 'zh' });
    await signInConsole(page, s.base, s.adminToken, `#/templates/${templateId}`);
    await tid(page, 'template-description').waitFor(WAIT);
    assert.equal(await tid(page, 'template-save').textContent(), '保存');
    await tid(page, 'template-description').fill('Sent when the warehouse hands the parcel over');
    await tid(page, 'template-save').click();
    await tid(page, 'template-saved').waitFor(WAIT);
    await tid(page, 'preview-text').waitFor(WAIT);
    const t = await admin<{ description: string; version: number }>(`/v1/admin/templates/${templateId}`);
    assert.equal(t.body.description, 'Sent when the warehouse hands the parcel over');
    assert.equal(t.body.version, before + 1);
    await screenshot(page, 'template-editor-narrow');
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});
