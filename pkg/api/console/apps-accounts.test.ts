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

const T = { timeout: 20_000 } as const;

describe('Apps and Accounts pages in headless Chromium', () => {
  const skip = chromiumMissing();
  let s: Awaited<ReturnType<typeof startConsoleStack>>;
  let browser: Browser;

  /** An admin API call from the test (seeding, checking what the API holds). */
  const admin = async <R>(path: string, body?: unknown): Promise<R> => {
    const res = await fetch(`${s.base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(res.ok, `${path}: ${res.status}`);
    return (await res.json()) as R;
  };
  /** The status an app key gets from a data route: anything but 401 means the key works. */
  const keyStatus = async (key: string): Promise<number> =>
    (await fetch(`${s.base}/v1/messages?bizId=x`, { headers: { authorization: `Bearer ${key}` } })).status;
  const idOf = async (kind: 'apps' | 'accounts', name: string): Promise<number> => {
    const r = await admin<{ items: { id: number; name: string }[] }>(
      `/v1/admin/${kind}?name=${encodeURIComponent(name)}&includeDeleted=true`,
    );
    const hit = r.items.find((x) => x.name === name);
    assert.ok(hit, `${kind} ${name} exists`);
    return hit.id;
  };
  const tid = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

  before(async () => {
    if (skip) return;
    s = await startConsoleStack('console-apps-accounts');
    browser = await launchChromium();
  });
  after(async () => {
    if (skip) return;
    await browser.close();
    await s.close();
  });

  test('apps: the key is shown once and works, rotation kills the old one, a 422 shows, revoke and restore', async (tc) => {
    if (skip) return tc.skip(skip);
    await admin('/v1/admin/apps', { name: 'crm', rateLimit: 200 });
    await admin('/v1/admin/apps', { name: 'billing', callbackUrl: 'https://billing.example.com/hooks/push' });
    const { page, problems } = await consolePage(browser, WIDE, { expected: /422/ });
    await signInConsole(page, s.base, s.adminToken, '#/apps');

    await tid(page, 'app-create').click();
    await tid(page, 'app-name').fill('shop');
    await tid(page, 'app-rate').fill('50');
    await tid(page, 'app-callback').fill('https://shop.example.com/push-status');
    await tid(page, 'app-save').click();
    const key = (await tid(page, 'app-key-once').textContent(T)) ?? '';
    assert.match(key, /^pk_/);
    assert.match((await tid(page, 'app-secret-once').textContent()) ?? '', /^whsec_/);
    assert.match((await tid(page, 'app-key-once-box').textContent()) ?? '', /Shown once/);
    assert.notEqual(await keyStatus(key), 401);
    const id = await idOf('apps', 'shop');
    await tid(page, `app-row-${id}`).waitFor(T);
    assert.match((await tid(page, `app-row-${id}`).textContent()) ?? '', /50\/s.*shop\.example\.com/);
    // Dismissed, the key is gone from the page for good.
    await tid(page, 'app-key-once-dismiss').click();
    await tid(page, 'app-secret-once-dismiss').click();
    assert.ok(!(await page.content()).includes(key));

    await tid(page, `app-rotate-${id}`).click();
    await tid(page, `app-rotate-${id}-confirm`).click();
    await tid(page, 'app-key-once').waitFor(T);
    const rotated = (await tid(page, 'app-key-once').textContent()) ?? '';
    assert.match(rotated, /^pk_/);
    assert.notEqual(rotated, key);
    assert.equal(await keyStatus(key), 401);
    assert.notEqual(await keyStatus(rotated), 401);

    // The API's validation message shows in the form; a good value then saves.
    await tid(page, `app-edit-${id}`).click();
    await tid(page, 'app-callback').fill('ftp://shop.example.com/x');
    await tid(page, 'app-save').click();
    await page.locator('[data-testid="app-error"]', { hasText: 'VALIDATION_FAILED' }).waitFor(T);
    assert.match((await tid(page, 'app-dialog').textContent()) ?? '', /http or https/);
    await tid(page, 'app-callback').fill('https://shop.example.com/v2/status');
    await tid(page, 'app-save').click();
    await page.locator(`[data-testid="app-row-${id}"]`, { hasText: '/v2/status' }).waitFor(T);

    await tid(page, `app-secret-${id}`).click();
    await tid(page, `app-secret-${id}-confirm`).click();
    await tid(page, 'app-secret-once').waitFor(T);
    assert.match((await tid(page, 'app-secret-once').textContent()) ?? '', /^whsec_/);
    await screenshot(page, 'apps');

    await tid(page, `app-delete-${id}`).click();
    await tid(page, `app-delete-${id}-confirm`).click();
    await tid(page, `app-row-${id}`).waitFor({ state: 'detached', ...T });
    assert.equal(await keyStatus(rotated), 401);
    await tid(page, 'apps-deleted').check();
    await tid(page, `app-restore-${id}`).click();
    await tid(page, `app-rotate-${id}`).waitFor(T);
    assert.notEqual(await keyStatus(rotated), 401);

    await page.click('[data-testid="lang-zh"]');
    assert.equal(await tid(page, 'app-create').textContent(), '新建应用');
    await page.click('[data-testid="lang-en"]');
    assert.deepEqual(problems, []);
  });

  test('accounts: generated forms for sandbox and DingTalk, secrets never shown back, test, 422, filter', async (tc) => {
    if (skip) return tc.skip(skip);
    await admin('/v1/admin/accounts', {
      name: 'transactional mail',
      channel: 'email',
      provider: 'smtp',
      config: {
        host: 'smtp.example.com',
        port: 587,
        from: 'noreply@example.com',
        user: 'mailer',
        pass: 'mail-pass-1',
      },
    });
    const { page, problems } = await consolePage(browser, WIDE, { expected: /422/ });
    // Every answer of the accounts API the page read, to check no secret came back in clear.
    const answers: Promise<string>[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/v1/admin/accounts')) answers.push(r.text().catch(() => ''));
    });
    await signInConsole(page, s.base, s.adminToken, '#/accounts');

    await tid(page, 'account-create').click();
    await tid(page, 'account-name').fill('sandbox main');
    await tid(page, 'account-channel').selectOption('sandbox');
    await tid(page, 'cfg-latencyMs').fill('5');
    await tid(page, 'cfg-rejectReceivers').fill('blocked@example.com\n');
    assert.equal(await tid(page, 'cfg-failRetryable').isChecked(), true, 'a boolean starts at its default');
    await tid(page, 'account-save').click();
    await tid(page, 'accounts-ok').waitFor(T);
    const sandboxId = await idOf('accounts', 'sandbox main');
    const sandbox = await admin<{ config: Record<string, unknown> }>(`/v1/admin/accounts/${sandboxId}`);
    assert.equal(sandbox.config.latencyMs, 5);
    assert.deepEqual(sandbox.config.rejectReceivers, ['blocked@example.com']);

    await tid(page, `account-test-${sandboxId}`).click();
    await page.locator('[data-testid="account-test-result"].ok', { hasText: 'sandbox main' }).waitFor(T);

    // DingTalk robot: its access token and signing secret are writeOnly.
    await tid(page, 'account-create').click();
    await tid(page, 'account-name').fill('ops robot');
    await tid(page, 'account-channel').selectOption('dingtalk_robot');
    assert.equal(await tid(page, 'cfg-accessToken').getAttribute('type'), 'password');
    assert.equal(await tid(page, 'cfg-secret').getAttribute('type'), 'password');
    await tid(page, 'cfg-accessToken').fill('not a token!');
    await tid(page, 'account-save').click();
    await page.locator('[data-testid="account-error"]', { hasText: 'config.accessToken' }).waitFor(T);
    assert.equal(await tid(page, 'cfg-accessToken').getAttribute('aria-invalid'), 'true');
    await tid(page, 'cfg-accessToken').fill('robottoken0123456789');
    await tid(page, 'cfg-secret').fill('SECsigning0123456789');
    await tid(page, 'account-save').click();
    await tid(page, 'accounts-ok').waitFor(T);
    const robotId = await idOf('accounts', 'ops robot');

    await tid(page, `account-edit-${robotId}`).click();
    assert.equal(await tid(page, 'cfg-accessToken').getAttribute('type'), 'password');
    assert.equal(await tid(page, 'cfg-accessToken').inputValue(), '');
    assert.equal(await tid(page, 'cfg-secret').inputValue(), '');
    assert.match((await tid(page, 'account-config').textContent()) ?? '', /leave empty to keep/);
    await tid(page, 'cfg-timeoutMs').fill('5000');
    await screenshot(page, 'account-form');
    await tid(page, 'account-save').click();
    await tid(page, 'accounts-ok').waitFor(T);
    const robot = await s.core.repos.accounts.getWithSecrets(robotId);
    assert.equal(robot?.config.accessToken, 'robottoken0123456789', 'an empty secret keeps the stored one');
    assert.equal(robot?.config.timeoutMs, 5000);

    await tid(page, 'accounts-channel').selectOption('sandbox');
    await tid(page, `account-row-${robotId}`).waitFor({ state: 'detached', ...T });
    await tid(page, `account-row-${sandboxId}`).waitFor(T);
    await tid(page, 'accounts-channel').selectOption('');
    await tid(page, `account-row-${robotId}`).waitFor(T);
    await screenshot(page, 'accounts');

    const oldToken = (await admin<{ callbackToken: string }>(`/v1/admin/accounts/${sandboxId}`))
      .callbackToken;
    await tid(page, `account-token-${sandboxId}`).click();
    await tid(page, `account-token-${sandboxId}-confirm`).click();
    const url = (await tid(page, 'account-token-once').textContent(T)) ?? '';
    assert.match(url, new RegExp(`/v1/callbacks/sandbox/sandbox/${sandboxId}/[0-9a-f]+$`));
    assert.ok(!url.endsWith(oldToken));

    await tid(page, `account-delete-${sandboxId}`).click();
    await tid(page, `account-delete-${sandboxId}-confirm`).click();
    await tid(page, `account-row-${sandboxId}`).waitFor({ state: 'detached', ...T });
    await tid(page, 'accounts-deleted').check();
    await tid(page, `account-restore-${sandboxId}`).click();
    await tid(page, `account-test-${sandboxId}`).waitFor(T);

    const seen = (await Promise.all(answers)).join('\n');
    for (const secret of ['robottoken0123456789', 'SECsigning0123456789', 'mail-pass-1'])
      assert.ok(!seen.includes(secret), `${secret} never came back from the API`);
    assert.ok(seen.includes('"accessToken":"***"'));
    assert.deepEqual(problems, []);
  });

  test('at 390 px an app is created and its key shown without the page growing sideways', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, NARROW);
    await signInConsole(page, s.base, s.adminToken, '#/apps');
    await tid(page, 'app-create').click();
    await tid(page, 'app-name').fill('mobile shop');
    await tid(page, 'app-save').click();
    assert.match((await tid(page, 'app-key-once').textContent(T)) ?? '', /^pk_/);
    await tid(page, `app-row-${await idOf('apps', 'mobile shop')}`).waitFor(T);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= NARROW.width, `page is ${width}px wide`);
    await screenshot(page, 'apps-narrow');
    assert.deepEqual(problems, []);
  });
});
