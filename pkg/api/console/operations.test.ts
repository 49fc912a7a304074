import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createClient } from '../../client/client.ts';
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
import { sandboxTemplate } from '../../testkit/platform.ts';
import { waitFor } from '../../testkit/testkit.ts';

// The operations pages on the whole platform: a sandbox account that refuses some receivers
// permanently makes real dead letters (replaying one dead-letters it again, as the account still
// refuses), the Streams page shows the route's backlog as GET /v1/admin/streams does, and the
// Config page writes the live config through its forms and its JSON editor.
const BAD = ['bad-1@example.com', 'bad-2@example.com', 'bad-3@example.com', 'bad-4@example.com'];
const T = 20_000;

type DeadLetterRow = { id: string; messageId: string; receiver: string };
type Group = { route: string | null; group: string; lag: number; pending: number };

describe('operations pages in headless Chromium: dead letters, streams, config', () => {
  const skip = chromiumMissing();
  let s: Awaited<ReturnType<typeof startConsoleStack>>;
  let browser: Browser;
  let templateId = 0;

  const admin = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${s.base}${path}`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };
  const deadLetters = async () =>
    (await admin<{ items: DeadLetterRow[] }>('/v1/admin/dead-letters?limit=100')).items;
  const routeGroup = async () =>
    (await admin<{ groups: Group[] }>('/v1/admin/streams')).groups.find((g) => g.route === 'sandbox.notice');
  /** Every refused receiver dead-lettered (again) and the route's group idle. */
  const settled = async (): Promise<DeadLetterRow[]> =>
    // waitFor answers only a truthy value.
    (await waitFor(
      'every refused receiver dead-lettered, the route idle',
      async () => {
        const [items, g] = [await deadLetters(), await routeGroup()];
        return items.length === BAD.length && g && g.lag === 0 && g.pending === 0 ? items : undefined;
      },
      T,
      100,
    ))!;

  before(async () => {
    if (skip) return;
    s = await startConsoleStack('console-operations', { env: { RETRY_BASE_MS: '50', RETRY_MAX_MS: '200' } });
    const app = await s.core.repos.apps.create({ name: 'shop' });
    ({ templateId } = await sandboxTemplate(
      s.core.repos,
      { text: 'Order {$order} shipped' },
      { appId: app.app.id, name: 'shipped', accountConfig: { rejectReceivers: BAD } },
    ));
    const sent = await createClient({ baseUrl: s.base, apiKey: app.apiKey }).send({
      templateId,
      messages: [{ receivers: [...BAD, 'ok@example.com'], variables: { order: 'A-1001' } }],
    });
    assert.equal(sent.messageIds.length, BAD.length + 1);
    await settled();
    browser = await launchChromium();
  });
  after(async () => {
    if (skip) return;
    await browser?.close();
    await s.close();
  });

  const rows = (page: Page) => page.locator('[data-testid="dl-row"]');
  const rowOf = (page: Page, id: string) => page.locator(`[data-testid="dl-row"][data-id="${id}"]`);

  test('dead letters: listed newest first, details, replay one, replay two selected, count before replaying all', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    await signInConsole(page, s.base, s.adminToken, '#/dead-letters');
    const before = await deadLetters();
    await rows(page)
      .nth(BAD.length - 1)
      .waitFor({ timeout: T });
    assert.equal(await rows(page).count(), BAD.length);
    assert.deepEqual(
      await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))),
      before.map((d) => d.id),
    );
    await screenshot(page, 'dead-letters');

    // One in full, then replayed: it leaves the list and (still refused) dead-letters again.
    const one = before[0]!;
    await rowOf(page, one.id).locator('[data-testid="dl-open"]').click();
    const facts = page.locator('[data-testid="dl-detail-facts"]');
    await facts.waitFor({ timeout: T });
    const text = (await facts.textContent()) ?? '';
    assert.ok(
      text.includes('SANDBOX_REJECTED') && text.includes(one.receiver) && text.includes(one.messageId),
      text,
    );
    assert.match((await page.textContent('[data-testid="dl-detail-variables"]')) ?? '', /A-1001/);
    await page.click('[data-testid="dl-detail-replay"]');
    await page.locator('[data-testid="dl-done"]', { hasText: 'Replayed 1.' }).waitFor({ timeout: T });
    await rowOf(page, one.id).waitFor({ state: 'detached', timeout: T });
    const again = await settled();
    const back = again.find((d) => d.messageId === one.messageId);
    assert.ok(
      back && back.id !== one.id,
      'the replay was refused again: a new dead letter of the same message',
    );

    // Two picked with their checkboxes.
    await page.click('[data-testid="dl-refresh"]');
    await rowOf(page, back.id).waitFor({ timeout: T });
    const two = again.filter((d) => d.messageId !== one.messageId).slice(0, 2);
    for (const d of two) await rowOf(page, d.id).locator('[data-testid="dl-check"]').check();
    assert.equal(await page.textContent('[data-testid="dl-replay-selected"]'), 'Replay selected (2)');
    await page.click('[data-testid="dl-replay-selected"]');
    await page.locator('[data-testid="dl-done"]', { hasText: 'Replayed 2.' }).waitFor({ timeout: T });
    for (const d of two) await rowOf(page, d.id).waitFor({ state: 'detached', timeout: T });
    const third = await settled();
    for (const d of two) assert.ok(third.some((x) => x.messageId === d.messageId && x.id !== d.id));

    // Replay all matching: the confirmation counts them first; cancelled here.
    await page.click('[data-testid="dl-refresh"]');
    await page.click('[data-testid="dl-replay-all"]');
    await page
      .locator('[data-testid="dl-replay-all-ask"]', { hasText: `all ${BAD.length} dead letters` })
      .waitFor({ timeout: T });
    await page.locator('[data-testid="dl-replay-all-ask"] button', { hasText: 'Cancel' }).click();
    assert.deepEqual(problems, []);
  });

  test('streams: the route row shows what GET /v1/admin/streams says; its dead letters link to the filtered list; 390 px', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE);
    await signInConsole(page, s.base, s.adminToken, '#/streams');
    await settled();
    const g = (await routeGroup())!;
    const row = page.locator('[data-testid="route-row-sandbox.notice"]');
    await row.waitFor({ timeout: T });
    await page.click('[data-testid="streams-refresh"]');
    await waitFor(
      'the route row to count the dead letters',
      async () => (await row.locator('[data-testid="dead"]').textContent()) === String(BAD.length),
      T,
      100,
    );
    assert.equal(await row.locator('[data-testid="lag"]').textContent(), String(g.lag));
    assert.equal(await row.locator('[data-testid="pending"]').textContent(), String(g.pending));
    assert.match((await row.textContent()) ?? '', new RegExp(g.group));
    assert.match((await page.textContent('[data-testid="streams-updated"]')) ?? '', /^Updated /);
    await page.locator('[data-testid="stream-row-ev:{p0}-aggregator"]').waitFor({ timeout: T });
    // Routes nobody reads, with nothing waiting, show on demand.
    assert.equal(await page.locator('[data-testid="route-row-email.notice"]').count(), 0);
    await page.check('[data-testid="streams-all"]');
    await page.locator('[data-testid="route-row-email.notice"]').waitFor({ timeout: T });
    await page.uncheck('[data-testid="streams-all"]');
    await screenshot(page, 'streams');
    await page.uncheck('[data-testid="streams-auto"]');
    await row.locator('[data-testid="dead"] a').click();
    await page.locator('[data-testid="dl-row"]').first().waitFor({ timeout: T });
    assert.equal(new URL(page.url()).hash, '#/dead-letters');
    assert.equal(await page.inputValue('[data-testid="dl-filter-route"]'), 'sandbox.notice');
    assert.equal(await rows(page).count(), BAD.length);

    const narrow = await consolePage(browser, NARROW);
    await signInConsole(narrow.page, s.base, s.adminToken, '#/streams');
    await narrow.page.locator('[data-testid="route-row-sandbox.notice"]').waitFor({ timeout: T });
    const width = await narrow.page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= NARROW.width, `page is ${width}px wide`);
    await screenshot(narrow.page, 'streams-narrow');
    assert.deepEqual([...problems, ...narrow.problems], []);
  });

  test('config: a section form and the JSON editor save, a bad value shows its 422 path, history names "console"', async (tc) => {
    if (skip) return tc.skip(skip);
    const { page, problems } = await consolePage(browser, WIDE, { expected: /422/ });
    await signInConsole(page, s.base, s.adminToken, '#/config');
    type Live = {
      discardTemplateIds: number[];
      concurrency: Record<string, number>;
      quietHours: { start: string };
    };

    await page.fill('[data-testid="cfg-discard-ids"]', '998, 999');
    await page.click('[data-testid="cfg-discardTemplateIds-save"]');
    await page.locator('[data-testid="cfg-discardTemplateIds-ok"]').waitFor({ timeout: T });
    assert.deepEqual((await admin<Live>('/v1/admin/config')).discardTemplateIds, [998, 999]);

    await page.fill('[data-testid="cfg-quiet-start"]', '25:00');
    await page.click('[data-testid="cfg-quietHours-save"]');
    const bad = page.locator('[data-testid="cfg-quietHours-errors"] [data-testid="cfg-issue-path"]');
    await bad.waitFor({ timeout: T });
    assert.equal(await bad.textContent(), 'quietHours.start');
    assert.equal((await admin<Live>('/v1/admin/config')).quietHours.start, '22:00');
    await screenshot(page, 'config');

    await page.click('[data-testid="cfg-tab-json"]');
    const area = page.locator('[data-testid="cfg-json"]');
    await area.waitFor({ timeout: T });
    const json = JSON.parse(await area.inputValue()) as Live;
    assert.deepEqual(json.discardTemplateIds, [998, 999]);
    assert.equal('sensitiveWords' in json, false);
    await area.fill(JSON.stringify({ ...json, concurrency: { 'sandbox.notice': 7 } }, null, 2));
    await page.click('[data-testid="cfg-json-save"]');
    await page.locator('[data-testid="cfg-json-ok"]').waitFor({ timeout: T });
    assert.deepEqual((await admin<Live>('/v1/admin/config')).concurrency, { 'sandbox.notice': 7 });
    await area.fill(JSON.stringify({ ...json, concurrency: { 'nope.notice': 1 } }));
    await page.click('[data-testid="cfg-json-save"]');
    await page
      .locator('[data-testid="cfg-json-errors"] [data-testid="cfg-issue-path"]', {
        hasText: 'concurrency.nope.notice',
      })
      .waitFor({ timeout: T });

    await page.click('[data-testid="cfg-tab-words"]');
    await page.fill('[data-testid="cfg-words-add"]', 'Spam, 刷单');
    await page.click('[data-testid="cfg-words-add-save"]');
    await page
      .locator('[data-testid="cfg-words-total"]', { hasText: 'dictionary: 2' })
      .waitFor({ timeout: T });
    await page.locator('[data-testid="cfg-word"][data-word="spam"] [data-testid="cfg-word-remove"]').click();
    await page.click('[data-testid="cfg-word-remove-confirm"]');
    await page
      .locator('[data-testid="cfg-words-total"]', { hasText: 'dictionary: 1' })
      .waitFor({ timeout: T });

    await page.click('[data-testid="cfg-tab-history"]');
    const history = page.locator('[data-testid="cfg-history-row"]');
    await history.nth(3).waitFor({ timeout: T });
    assert.deepEqual(await page.locator('[data-testid="cfg-history-actor"]').allTextContents(), [
      'console',
      'console',
      'console',
      'console',
    ]);
    assert.deepEqual(await page.locator('[data-testid="cfg-history-sections"]').allTextContents(), [
      'sensitiveWords',
      'sensitiveWords',
      'concurrency',
      'first saved',
    ]);
    assert.deepEqual(problems, []);
  });
});
