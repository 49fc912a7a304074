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
import { waitFor } from '../../testkit/testkit.ts';

const WAIT = { timeout: 20_000 };
const RECEIVERS = ['ann@x.test', 'bob@x.test', 'cy@x.test'];

describe('console data pages in headless Chromium: charts, search, timeline, live tail', () => {
  const skip = chromiumMissing();
  let s: Awaited<ReturnType<typeof startConsoleStack>>;
  let browser: Browser;
  let apiKey: string;
  let templateId: number;
  let first: string;

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: seeding reads answers loosely
    return { status: res.status, body: (await res.json()) as any };
  };
  const admin = async (path: string, body: unknown) => {
    const r = await call(s.adminToken, 'POST', path, body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  /** Sends to `receivers` with the app key; resolves with the message ids once all are sent. */
  const send = async (receivers: string[], bizId: string): Promise<string[]> => {
    const r = await call(apiKey, 'POST', '/v1/send', {
      templateId,
      messages: [{ receivers, bizId, variables: { name: 'Ann' } }],
    });
    assert.ok(r.status < 300, JSON.stringify(r.body));
    const ids: string[] = r.body.messageIds;
    for (const id of ids)
      await waitFor(
        `message ${id} sent`,
        async () => (await call(s.adminToken, 'GET', `/v1/messages/${id}`)).body.state === 'sent',
        20_000,
        100,
      );
    return ids;
  };

  before(async () => {
    if (skip) return;
    s = await startConsoleStack('console-data');
    browser = await launchChromium();
    const app = await admin('/v1/admin/apps', { name: 'shop' });
    apiKey = app.apiKey;
    const account = await admin('/v1/admin/accounts', {
      name: 'sandbox',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    templateId = (
      await admin('/v1/admin/templates', {
        name: 'order shipped',
        channel: 'sandbox',
        messageType: 'notice',
        accountId: account.id,
        appId: app.id,
        content: { text: 'Hello {$name}, your order is on its way' },
      })
    ).id;
    first = (await send(RECEIVERS, 'order-1001'))[0]!;
  });
  after(async () => {
    if (skip) return;
    await browser.close();
    await s.close();
  });

  test('the chart and table show the sends; the receiver search finds a message; its timeline runs accepted … sent', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    await signInConsole(page, s.base, s.adminToken, '#/data');
    await page.locator(`[data-testid="charts-template"] option[value="${templateId}"]`).waitFor({
      state: 'attached',
      ...WAIT,
    });
    await page.selectOption('[data-testid="charts-template"]', String(templateId));
    await page
      .locator('[data-testid="stat-total-sent"]', { hasText: String(RECEIVERS.length) })
      .waitFor(WAIT);
    assert.equal(await page.textContent('[data-testid="stat-total-accepted"]'), String(RECEIVERS.length));
    await page.locator('[data-testid="day-chart"] canvas').waitFor(WAIT);
    await page.locator('[data-testid="hour-chart"] canvas').waitFor(WAIT);
    await page.locator('[data-testid="day-chart"][data-ready="true"]').waitFor(WAIT);
    await page.locator('[data-testid="hour-chart"][data-ready="true"]').waitFor(WAIT);

    await page.fill('[data-testid="search-receiver"]', RECEIVERS[0]!.toUpperCase());
    await page.click('[data-testid="search-receiver-go"]');
    await page.locator(`[data-testid="message-link-${first}"]`).waitFor(WAIT);

    await page.selectOption('[data-testid="search-kind"]', 'bizId');
    await page.fill('[data-testid="search-id"]', 'order-1001');
    await page.click('[data-testid="search-id-go"]');
    await page
      .locator('[data-testid="id-results"] tbody tr')
      .nth(RECEIVERS.length - 1)
      .waitFor(WAIT);

    await page.click(`[data-testid="receiver-results"] [data-testid="message-link-${first}"]`);
    assert.equal(new URL(page.url()).hash, `#/data/messages/${first}`);
    await page.locator('[data-testid="timeline-item"][data-state="sent"]').waitFor(WAIT);
    const states: (string | null)[] = [];
    for (const li of await page.locator('[data-testid="timeline-item"]').all())
      states.push(await li.getAttribute('data-state'));
    assert.equal(states[0], 'accepted');
    assert.ok(states.indexOf('sent') > 0, states.join(' '));
    assert.match((await page.textContent('[data-testid="timeline-facts"]')) ?? '', /ann@x\.test.*order-1001/);
    await screenshot(page, 'data-timeline');
    assert.deepEqual(problems, []);
  });

  test('the live tail shows the events of a new send, newest first, linked to the timeline', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    await signInConsole(page, s.base, s.adminToken, '#/data');
    await page.locator(`[data-testid="tail-template"] option[value="${templateId}"]`).waitFor({
      state: 'attached',
      ...WAIT,
    });
    await page.selectOption('[data-testid="tail-template"]', String(templateId));
    await page.click('[data-testid="tail-toggle"]');
    await page.locator('[data-testid="tail-status"][data-status="live"]').waitFor(WAIT);
    const [id] = await send(['dee@x.test'], 'order-1002');
    const lines = page.locator(`[data-testid="tail-line"][data-message="${id}"]`);
    await lines.locator('.pill.sent').waitFor(WAIT);
    await lines.locator('.pill.accepted').waitFor(WAIT);
    // Newest first: the first line is the latest state.
    assert.match((await page.locator('[data-testid="tail-line"]').first().textContent()) ?? '', /sent/);
    await page.click('[data-testid="tail-toggle"]');
    await page.locator('[data-testid="tail-status"][data-status="stopped"]').waitFor(WAIT);
    await lines.first().locator('a').click();
    await page.locator('[data-testid="timeline-item"][data-state="sent"]').waitFor(WAIT);
    assert.deepEqual(problems, []);
  });

  test('at 390 px the data page fits the screen', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, NARROW);
    await signInConsole(page, s.base, s.adminToken, '#/data');
    await page.locator(`[data-testid="charts-template"] option[value="${templateId}"]`).waitFor({
      state: 'attached',
      ...WAIT,
    });
    await page.selectOption('[data-testid="charts-template"]', String(templateId));
    await page.locator('[data-testid="stat-total-sent"]').waitFor(WAIT);
    await page.locator('[data-testid="day-chart"][data-ready="true"] canvas').waitFor(WAIT);
    await page.locator('[data-testid="hour-chart"][data-ready="true"]').waitFor(WAIT);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= NARROW.width, `page is ${width}px wide`);
    await screenshot(page, 'data-narrow');
    assert.deepEqual(problems, []);
  });
});
