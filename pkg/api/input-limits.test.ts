import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHandlerProcess } from '../../services/handler/wire.ts';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { createDeadLetters } from '../deadletters/dead-letters.ts';
import { MAX_JSON_DEPTH } from '../domain/limits.ts';
import { type Core, openCore } from '../process/core.ts';
import type { Closer } from '../process/shutdown.ts';
import { sealText } from '../store/sealing.ts';
import { platformEnv } from '../testkit/platform.ts';
import { startStack } from '../testkit/stack.ts';
import { testDb, testRedis, waitFor } from '../testkit/testkit.ts';

/** The JSON text of `{ "a": { "a": … 1 } }`, `depth` objects deep (too deep for JSON.stringify). */
const deepText = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const DEEP = '"@deep@"';
/** `value`'s JSON text with every `deep(n)` marker replaced by {@link deepText}. */
const json = (value: unknown, depth: number): string =>
  JSON.stringify(value).replaceAll(DEEP, deepText(depth));
/** A marker for {@link json}. */
const deep = JSON.parse(DEEP) as string;

/**
 * Input limits over the real ingest (HTTP, real Redis and MariaDB): JSON nested past the limit
 * is refused with 422 naming the path wherever it enters (send variables, template content,
 * account config, the live config), rows stored too deep before the limits do not break admin
 * lists, a delivery of such a template dead-letters once (RENDER_FAILED) instead of being
 * redelivered forever, stats days are real dates in range, and provider names that are
 * `Object.prototype` keys are unknown providers (422), not 500s.
 */
describe('input limits (HTTP, real Redis + MariaDB, real handler)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let base = '';
  const closers: Closer[] = [];
  let apiKey = '';
  let appId = 0;
  let accountId = 0;
  let templateId = 0;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    const env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { VISIBILITY_TIMEOUT_MS: '500' });
    core = await openCore(withDevSecrets(loadConfig(env)), 'input-limits-test');
    const stack = await startStack(core, { handler: false, aggregator: false });
    base = stack.base;
    closers.push(...stack.closers);
    const app = await core.repos.apps.create({ name: 'shop' });
    apiKey = app.apiKey;
    appId = app.app.id;
    accountId = (await core.repos.accounts.create({ name: 'sb', channel: 'sandbox', provider: 'sandbox' }))
      .id;
    templateId = (
      await core.repos.templates.create({
        name: 'hello',
        channel: 'sandbox',
        messageType: 'notice',
        accountId,
        appId,
        content: { text: 'Hello {$name}' },
      })
    ).id;
  });
  after(async () => {
    for (const c of [...closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  /** `body`: a value, or `[value, depth]` to send with its `deep` markers `depth` levels deep. */
  const call = async (method: string, path: string, body?: unknown, token = core.config.adminToken) => {
    const text =
      body === undefined ? undefined : Array.isArray(body) ? json(body[0], body[1]) : JSON.stringify(body);
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(text ? { 'content-type': 'application/json' } : {}) },
      ...(text !== undefined ? { body: text } : {}),
    });
    const answer = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely, asserting shapes
    return { status: res.status, body: (answer ? JSON.parse(answer) : undefined) as any };
  };
  /** A 422 VALIDATION_FAILED whose details name a TOO_DEEP path starting with `prefix`. */
  const assertTooDeep = (res: { status: number; body: unknown }, prefix: string) => {
    assert.equal(res.status, 422, JSON.stringify(res.body)?.slice(0, 300));
    // biome-ignore lint/suspicious/noExplicitAny: shape asserted here
    const e = (res.body as any).error;
    assert.equal(e.code, 'VALIDATION_FAILED');
    const d = e.details.find((x: { code?: string }) => x.code === 'TOO_DEEP');
    assert.ok(d, `a TOO_DEEP detail: ${JSON.stringify(e.details).slice(0, 300)}`);
    assert.ok(d.path.startsWith(prefix), `${d.path} starts with ${prefix}`);
    assert.match(d.message, new RegExp(`deeper than ${MAX_JSON_DEPTH}`));
  };

  test('send: variables nested 5,000 deep → 422 TOO_DEEP naming the path; 32 deep is fine', async () => {
    for (const key of [undefined, 'idem-deep']) {
      const res = await fetch(`${base}/v1/send`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: json({ templateId, messages: [{ receivers: ['u1'], variables: { name: 'x', deep } }] }, 5000),
      });
      assertTooDeep({ status: res.status, body: await res.json() }, 'messages.0.variables.deep.a.a');
    }
    const ok = await call(
      'POST',
      '/v1/send',
      [{ templateId, messages: [{ receivers: ['u1'], variables: { name: 'x', deep } }] }, MAX_JSON_DEPTH - 1],
      apiKey,
    );
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
  });

  test('templates: deep content → 422 on create, patch and preview; nothing stored', async () => {
    const before = (await call('GET', '/v1/admin/templates')).body.total;
    for (const depth of [3000, 5000]) {
      const create = await call('POST', '/v1/admin/templates', [
        {
          name: `deep ${depth}`,
          channel: 'sandbox',
          messageType: 'notice',
          accountId,
          appId,
          content: { text: 'x', extra: deep },
        },
        depth,
      ]);
      assertTooDeep(create, 'content.extra.a');
    }
    assertTooDeep(
      await call('PATCH', `/v1/admin/templates/${templateId}`, [
        { content: { text: 'x', extra: deep } },
        5000,
      ]),
      'content.extra',
    );
    assertTooDeep(
      await call('POST', '/v1/admin/templates/preview', [{ channel: 'sandbox', content: deep }, 5000]),
      'content.a',
    );
    assertTooDeep(
      await call('POST', `/v1/admin/templates/${templateId}/preview`, [{ variables: { v: deep } }, 5000]),
      'variables.v',
    );
    assert.equal((await call('GET', '/v1/admin/templates')).body.total, before);
  });

  test('accounts and live config: deep config → 422 on create, patch, PUT and PATCH', async () => {
    const create = await call('POST', '/v1/admin/accounts', [
      { name: 'deep', channel: 'sandbox', provider: 'sandbox', config: { x: deep } },
      5000,
    ]);
    assertTooDeep(create, 'config.x.a');
    assertTooDeep(
      await call('PATCH', `/v1/admin/accounts/${accountId}`, [{ config: { x: deep } }, 5000]),
      'config.x',
    );
    const live = (await call('GET', '/v1/admin/config')).body;
    assertTooDeep(await call('PUT', '/v1/admin/config', [{ ...live, routing: deep }, 5000]), 'routing.a');
    assertTooDeep(await call('PATCH', '/v1/admin/config', [{ routing: deep }, 5000]), 'routing.a');
  });

  test('a row stored too deep (around the API) is reported unreadable; the list still answers', async () => {
    const acc = await core.repos.accounts.create({
      name: 'to-break',
      channel: 'sandbox',
      provider: 'sandbox',
    });
    await core.db
      .updateTable('channel_accounts')
      .set({ config_sealed: sealText(json({ x: deep }, 5000), core.config.secretKey) })
      .where('id', '=', acc.id)
      .execute();
    const list = await call('GET', '/v1/admin/accounts?limit=100');
    assert.equal(list.status, 200, JSON.stringify(list.body)?.slice(0, 300));
    const row = list.body.items.find((a: { id: number }) => a.id === acc.id);
    assert.deepEqual([row.config, row.configUnreadable], [{}, true]);
    const one = await call('GET', `/v1/admin/accounts/${acc.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.configUnreadable, true);
    // Replacing the config whole repairs it.
    const fixed = await call('PATCH', `/v1/admin/accounts/${acc.id}`, { config: { x: null } });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body)?.slice(0, 300));

    const tpl = await core.repos.templates.create({
      name: 'to-break',
      channel: 'sandbox',
      messageType: 'notice',
      accountId,
      appId,
      content: { text: 'x' },
    });
    await core.db
      .updateTable('templates')
      .set({ content: json({ text: 'x', extra: deep }, 5000) })
      .where('id', '=', tpl.id)
      .execute();
    const tpls = await call('GET', '/v1/admin/templates?limit=100');
    assert.equal(tpls.status, 200, JSON.stringify(tpls.body)?.slice(0, 300));
    const t1 = tpls.body.items.find((x: { id: number }) => x.id === tpl.id);
    assert.deepEqual([t1.content, t1.contentUnreadable], [null, true]);
    assert.equal((await call('GET', `/v1/admin/templates/${tpl.id}`)).status, 200);
  });

  test('stats: days past year 2999, not calendar dates, or reversed → 422', async () => {
    for (const q of [
      'to=9999-12-31',
      'from=9999-12-31&to=9999-12-31',
      'from=0000-01-01',
      'to=2026-02-30',
      'from=2026-03-02&to=2026-03-01',
      'from=2026-01-01&to=2026-12-31',
    ]) {
      const res = await call('GET', `/v1/templates/${templateId}/stats?${q}`);
      assert.equal(res.status, 422, `${q}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
    assert.equal((await call('GET', `/v1/templates/${templateId}/stats?to=2999-12-31`)).status, 200);
  });

  test('provider and channel names that are Object.prototype keys → 422/404, never 500', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const res = await call('POST', '/v1/admin/accounts', { name: 'x', channel: 'sms', provider: name });
      assert.equal(res.status, 422, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.details[0].path, 'provider');
      const ch = await call('POST', '/v1/admin/accounts', { name: 'x', channel: name, provider: 'sandbox' });
      assert.equal(ch.status, 422, `${name}: ${JSON.stringify(ch.body)}`);
      const patch = await call('PATCH', `/v1/admin/accounts/${accountId}`, { provider: name });
      assert.equal(patch.status, 422, `${name}: ${JSON.stringify(patch.body)}`);
      const cb = await fetch(`${base}/v1/callbacks/${name}/${name}/${accountId}/token`, {
        method: 'POST',
        body: '{}',
      });
      assert.equal(cb.status, 404, name);
      const list = await call('GET', `/v1/admin/accounts?channel=${name}`);
      assert.ok(list.status === 200 || list.status === 422, `${name}: ${list.status}`);
      const tpl = await call('POST', '/v1/admin/templates/preview', {
        channel: name,
        content: { text: 'x' },
      });
      assert.equal(tpl.status, 422, name);
    }
  });

  test('email preview: a variable in href cannot carry javascript:', async () => {
    const res = await call('POST', '/v1/admin/templates/preview', {
      channel: 'email',
      content: { subject: 'Hi', html: '<a href="{$link}">open</a>' },
      variables: { link: 'javascript:alert(document.cookie)' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.content.html, '<a href="#">open</a>');
  });

  test('handler: a template stored too deep dead-letters once (RENDER_FAILED), never redelivered', async () => {
    const tpl = await core.repos.templates.create({
      name: 'deep later',
      channel: 'sandbox',
      messageType: 'notice',
      accountId,
      appId,
      content: { text: 'Hi {$name}' },
    });
    const sent = await call(
      'POST',
      '/v1/send',
      { templateId: tpl.id, messages: [{ receivers: ['deep-1'], variables: { name: 'x' } }] },
      apiKey,
    );
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const messageId: string = sent.body.messageIds[0];
    // Deep enough to overflow a recursive render (2,000–4,000 deep was accepted before the limits).
    await core.db
      .updateTable('templates')
      .set({ content: json({ text: 'Hi {$name}', extra: deep }, 20_000) })
      .where('id', '=', tpl.id)
      .execute();
    closers.push(...(await startHandlerProcess(core)).closers);
    const dl = createDeadLetters({ redis: core.redis, keys: core.keys, ledger: core.ledger });
    const mine = async () =>
      (await dl.list({ templateId: tpl.id }, undefined, 100, {})).items.filter(
        (x) => x.messageId === messageId,
      );
    const letter = await waitFor('the delivery dead-lettered', async () => (await mine())[0], 30_000);
    assert.equal(letter!.reason, 'RENDER_FAILED');
    assert.equal((await core.ledger.record(messageId))?.st, 'failed');
    // The handler goes on with other work, and the dead-lettered entry does not come back.
    const other = await call(
      'POST',
      '/v1/send',
      { templateId, messages: [{ receivers: ['after-1'], variables: { name: 'y' } }] },
      apiKey,
    );
    const otherId: string = other.body.messageIds[0];
    await waitFor(
      'a later delivery sent',
      async () => (await core.ledger.record(otherId))?.st === 'sent',
      30_000,
    );
    assert.equal((await mine()).length, 1, 'dead-lettered exactly once');
  });
});
