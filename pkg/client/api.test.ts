import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { z } from 'zod';
import type { accountSchema } from '../api/admin/accounts-openapi.ts';
import type { appSchema } from '../api/admin/apps-openapi.ts';
import type { templateSchema } from '../api/admin/templates-openapi.ts';
import type { liveConfigAnswer } from '../api/config/openapi.ts';
import type { messageTraceSchema, receiverMessagesSchema, templateStatsSchema } from '../api/data/schemas.ts';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import type { crowdRunSchema, crowdUploadSchema } from '../crowds/schemas.ts';
import type { recallResponseSchema, sendResponseSchema } from '../ingest/schemas.ts';
import { type Core, openCore } from '../process/core.ts';
import type { Closer } from '../process/shutdown.ts';
import { platformEnv } from '../testkit/platform.ts';
import { startStack } from '../testkit/stack.ts';
import { testDb, testRedis, waitFor } from '../testkit/testkit.ts';
import {
  type Account,
  type App,
  type CrowdRun,
  type CrowdUpload,
  createAdminClient,
  createClient,
  createPublicClient,
  type MessageTrace,
  type PlatformConfig,
  PushApiError,
  type RecallResponse,
  type ReceiverTrace,
  type SendResponse,
  type StreamEvent,
  type Template,
  type TemplateStats,
} from './index.ts';

/** Compile-time: what the server answers (its response schema) fits the client's type. */
const fits = <_Server extends Client, Client>() => true;
void [
  fits<z.output<typeof appSchema>, App>(),
  fits<z.output<typeof accountSchema>, Account>(),
  fits<z.output<typeof templateSchema>, Template>(),
  fits<z.output<typeof liveConfigAnswer>, PlatformConfig>(),
  fits<z.output<typeof messageTraceSchema>, MessageTrace>(),
  fits<z.output<typeof receiverMessagesSchema>, ReceiverTrace>(),
  fits<z.output<typeof templateStatsSchema>, TemplateStats>(),
  fits<z.output<typeof sendResponseSchema>, SendResponse>(),
  fits<z.output<typeof recallResponseSchema>, RecallResponse>(),
  fits<z.output<typeof crowdUploadSchema>, CrowdUpload>(),
  fits<z.output<typeof crowdRunSchema>, CrowdRun>(),
];

/**
 * Skips when the contract's route is not served yet: the app's 404 for unknown routes, or the
 * 501 of a route whose store this process was not given.
 */
async function servedOr<T>(t: TestContext, what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    const unrouted = e instanceof PushApiError && e.status === 404 && /^no route for /.test(e.message);
    if (unrouted || (e instanceof PushApiError && e.code === 'NOT_IMPLEMENTED')) {
      t.skip(`${what} is not served at its contract path yet (${(e as PushApiError).message})`);
      return undefined;
    }
    throw e;
  }
}

describe('typed client against the real ingest, handler and aggregator', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let base = '';
  const closers: Closer[] = [];
  const admin = () => createAdminClient({ baseUrl: base, token: core.config.adminToken, timeoutMs: 10_000 });
  let appId = 0;
  let apiKey = '';
  let templateId = 0;

  before(async () => {
    r = await testRedis();
    t = await testDb('sqlite');
    core = await openCore(
      withDevSecrets(
        loadConfig(platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { EVENT_PARTITIONS: '2' })),
      ),
      'client-test',
    );
    const stack = await startStack(core);
    base = stack.base;
    closers.push(...stack.closers);
  });

  after(async () => {
    for (const c of [...closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  test('apps: create, list, get, change, rotate the key (the old one stops), delete and restore', async () => {
    const a = admin();
    const created = await a.createApp({ name: 'shop' });
    assert.match(created.apiKey, /^pk_/);
    ({ id: appId, apiKey } = created);
    assert.ok((await a.listApps({ name: 'shop' })).items.some((x) => x.id === appId));
    assert.equal((await a.getApp(appId)).apiKeyHint, apiKey.slice(0, 8));
    assert.equal((await a.updateApp(appId, { rateLimit: 500 })).rateLimit, 500);
    const rotated = await a.rotateAppKey(appId);
    assert.notEqual(rotated.apiKey, apiKey);
    await assert.rejects(createClient({ baseUrl: base, apiKey }).sandboxMessages(), { status: 401 });
    apiKey = rotated.apiKey;
    const other = await a.createApp({ name: 'other' });
    await a.deleteApp(other.id);
    await assert.rejects(a.getApp(other.id), { status: 404, code: 'APP_NOT_FOUND' });
    assert.equal((await a.listApps({ includeDeleted: true })).total, 2);
    assert.equal((await a.restoreApp(other.id)).deletedAt, null);
    await assert.rejects(a.rotateCallbackSecret(other.id), { status: 409, code: 'CALLBACKS_OFF' });
  });

  test('accounts and providers: create, list by channel, test, rotate the callback token, delete', async () => {
    const a = admin();
    const providers = await a.listProviders();
    const sandbox = providers.items.find((p) => p.channel === 'sandbox');
    assert.ok(sandbox?.capabilities.testConnection && providers.total === providers.items.length);
    const acct = await a.createAccount({ name: 'sb', channel: 'sandbox', provider: 'sandbox', config: {} });
    assert.ok((await a.listAccounts({ channel: 'sandbox' })).items.some((x) => x.id === acct.id));
    assert.equal((await a.updateAccount(acct.id, { rateLimit: 50 })).rateLimit, 50);
    assert.deepEqual(await a.testAccount(acct.id), { ok: true });
    const token = (await a.getAccount(acct.id)).callbackToken;
    assert.notEqual((await a.rotateCallbackToken(acct.id)).callbackToken, token);
    const spare = await a.createAccount({
      name: 'spare',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    await a.deleteAccount(spare.id);
    assert.equal((await a.restoreAccount(spare.id)).id, spare.id);
    const tpl = await a.createTemplate({
      name: 'welcome',
      appId,
      channel: 'sandbox',
      messageType: 'notice',
      accountId: acct.id,
      content: { text: 'Hello {$name}' },
    });
    templateId = tpl.id;
    assert.equal((await a.getTemplate(templateId)).name, 'welcome');
  });

  test('templates: list, preview, pause and start', async (tc) => {
    const a = admin();
    assert.ok((await a.listTemplates({ channel: 'sandbox' })).items.some((x) => x.id === templateId));
    const preview = await servedOr(tc, 'template preview', () =>
      a.previewTemplate(templateId, { name: 'Ann' }),
    );
    if (!preview) return;
    assert.deepEqual(preview.content, { text: 'Hello Ann' });
    const draft = await a.previewDraft({
      channel: 'sandbox',
      content: { text: 'Hi {$x}' },
      variables: { x: 1 },
    });
    assert.deepEqual(draft.content, { text: 'Hi 1' });
    assert.equal((await a.pauseTemplate(templateId)).status, 'paused');
    assert.equal((await a.startTemplate(templateId)).status, 'active');
  });

  test('live config: put and patch with an actor, read back, history names the actor', async () => {
    const a = admin();
    const put = await a.putConfig({ discardTemplateIds: [999] }, { actor: 'ops@shop' });
    assert.deepEqual(put.discardTemplateIds, [999]);
    const patched = await a.patchConfig({ concurrency: { 'sandbox.notice': 8 } });
    assert.deepEqual(patched.discardTemplateIds, [999], 'sections not given are kept');
    assert.equal((await a.getConfig()).concurrency?.['sandbox.notice'], 8);
    const history = await a.configHistory(5);
    assert.deepEqual(
      history.items.map((x) => x.actor),
      ['admin', 'ops@shop'],
    );
    await assert.rejects(a.putConfig({ dedup: { contentWindowSec: -1 } }), {
      status: 422,
      code: 'VALIDATION_FAILED',
    });
    await a.putConfig({});
  });

  test('send, follow the live tail to sent, then trace, look up, inbox and stats', async () => {
    const push = createClient({ baseUrl: base, apiKey, timeoutMs: 10_000 });
    const stop = new AbortController();
    const seen: StreamEvent[] = [];
    const tail = (async () => {
      for await (const e of push.events({ templateId, signal: stop.signal })) seen.push(e);
    })().catch((e: Error) => {
      if (e.name !== 'AbortError') throw e;
    });
    await waitFor('the live tail is ready', () => seen.some((e) => e.type === 'ready'));
    const sent = await push.send(
      {
        templateId,
        messages: [{ receivers: ['ann@example.com'], variables: { name: 'Ann' }, bizId: 'o-1' }],
      },
      { idempotencyKey: 'client-test-1' },
    );
    const id = sent.messageIds[0]!;
    await waitFor(
      'sent on the live tail',
      () => seen.some((e) => e.type === 'lifecycle' && e.event.messageId === id && e.event.state === 'sent'),
      15_000,
    );
    stop.abort();
    await tail;
    assert.deepEqual(seen[0], { type: 'ready', templateId });

    const trace = (await waitFor('trace at sent', async () => {
      const x = await push.message(id);
      return x.state === 'sent' ? x : undefined;
    }))!;
    assert.ok(trace.timeline.some((e) => e.state === 'accepted' && !Number.isNaN(Date.parse(e.at))));
    assert.deepEqual(
      (await push.messages({ requestId: sent.requestId })).items.map((m) => m.messageId),
      [id],
    );
    assert.equal((await push.messages({ bizId: 'o-1' })).total, 1);
    const inbox = await push.sandboxMessages({ receiver: 'ann@example.com' });
    assert.deepEqual(inbox.items[0]?.content, { text: 'Hello Ann' });
    const day = await push.receiverMessages('ann@example.com');
    assert.equal(day.items[0]?.messageId, id);
    const stats = (await waitFor('stats count sent', async () => {
      const s = await push.templateStats(templateId, day.day, day.day);
      return (s.days[0]?.counts.sent ?? 0) > 0 ? s : undefined;
    }))!;
    assert.equal(stats.templateId, templateId);
    assert.equal((await push.recall({ messageIds: [id] })).results[0]?.messageId, id);
  });

  test('crowds and runs: upload, list, runs, delete', async (tc) => {
    const a = admin();
    const up = await servedOr(tc, 'crowd upload', () =>
      a.uploadCrowd(templateId, 'receiver,name\nann@example.com,Ann\n', { filename: 'c.csv' }),
    );
    if (!up) return;
    assert.equal(up.rows, 1);
    assert.deepEqual(
      (await a.listCrowds(templateId)).items.map((f) => f.id),
      [up.id],
    );
    await a.deleteCrowd(templateId, up.id);
    assert.equal((await a.listCrowds(templateId)).total, 0);
    const runs = await servedOr(tc, 'template runs', () => a.templateRuns(templateId));
    if (!runs) return;
    assert.deepEqual(runs, { items: [], total: 0, next: null });
    await assert.rejects(a.crowdRun(999_999), { status: 404 });
  });

  test('dead letters: empty listings for the admin and for the app', async (tc) => {
    const page = await servedOr(tc, 'admin dead letters', () => admin().deadLetters({ limit: 5 }));
    if (!page) return;
    assert.deepEqual(page, { items: [], next: null });
    const own = await servedOr(tc, 'app dead letters', () =>
      createClient({ baseUrl: base, apiKey }).deadLetters(),
    );
    if (!own) return;
    assert.deepEqual(own.items, []);
    await assert.rejects(admin().deadLetter('email.notice:1-0'), { status: 404 });
    assert.deepEqual(await admin().replayDeadLetters({ ids: ['email.notice:1-0'] }), { replayed: 0 });
  });

  test('public routes: probes, metrics, the document, and a provider callback with a wrong token', async () => {
    const pub = createPublicClient({ baseUrl: base });
    assert.deepEqual(await pub.health(), { status: 'ok' });
    assert.equal((await pub.ready()).status, 'ready');
    assert.match(await pub.metrics(), /^# HELP /m);
    assert.ok('/v1/admin/apps' in (await pub.openapi()).paths);
    const acct = (await admin().listAccounts({ channel: 'sandbox' })).items[0]!;
    await assert.rejects(
      pub.providerCallback(
        { channel: 'sandbox', provider: 'sandbox', accountId: acct.id, token: 'nope' },
        {},
      ),
      { status: 404 },
    );
  });
});
