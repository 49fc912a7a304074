import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { groupLag, pendingCount } from '../bus/lag.ts';
import { verifyWebhook } from '../channels/kit/standard-webhooks.ts';
import { encodeEvent, partitionOf } from '../domain/events.ts';
import type { State } from '../domain/states.ts';
import { createAppsRepo } from '../store/apps.ts';
import { silentLogger } from '../telemetry/logger.ts';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../testkit/fake-http.ts';
import { randomTag, testDb, testRedis, waitFor } from '../testkit/testkit.ts';
import { type CallbackPayload, callbackPayload, encodeItem, webhookIdOf } from './payload.ts';
import { CALLBACKS_GROUP, type CallbackSettings, startCallbacks } from './start.ts';

/**
 * Status callbacks end to end over real Redis, a real database (the apps repository loads the
 * settings and opens the secret) and a real local HTTP receiver that checks every signature with
 * the Standard Webhooks algorithm. Events are written into the event streams as the ledger
 * writes them, with the message's attempt record naming the sending app.
 */
const PARTITIONS = 4;
const SETTINGS: CallbackSettings = {
  allowPrivateNetworks: true,
  maxAttempts: 5,
  concurrency: 8,
  perAppConcurrency: 2,
  retryBaseMs: 20,
  retryMaxMs: 60,
  timeoutMs: 30_000,
  cacheTtlMs: 200,
  visibilityTimeoutMs: 1000,
};

type Received = { app: string; req: FakeRequest; ok: boolean; payload: CallbackPayload };

describe('status callbacks', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let apps: ReturnType<typeof createAppsRepo>;
  let rx: Awaited<ReturnType<typeof startFakeHttp>>;
  const blockings: Redis[] = [];
  /** App name (the receiver path) → its current secret, answers, and what arrived. */
  const secrets = new Map<string, string>();
  const answers = new Map<string, (n: number) => FakeReply | Promise<FakeReply>>();
  let received: Received[] = [];
  const running: { stop(): Promise<void> }[] = [];

  before(async () => {
    r = await testRedis();
    t = await testDb('sqlite');
    apps = createAppsRepo(t.db, { secretKey: randomBytes(32), allowPrivateCallbacks: true });
    rx = await startFakeHttp(async (req) => {
      const app = req.path.split('/')[2] ?? '';
      const ok = verifyWebhook(secrets.get(app) ?? 'whsec_AAAA', req.headers, req.body, Date.now()).ok;
      received.push({ app, req, ok, payload: req.json() as CallbackPayload });
      if (!ok) return { status: 401 };
      const n = received.filter((x) => x.app === app).length;
      return (await answers.get(app)?.(n)) ?? { status: 204 };
    });
  });
  beforeEach(() => {
    received = [];
  });
  after(async () => {
    await rx.close(); // first: posts held by a hanging answer fail now instead of delaying stop
    for (const c of running) await c.stop();
    for (const b of blockings) b.disconnect();
    await r.cleanup();
    await t.cleanup();
  });

  const start = async (consumer = `cb-${randomTag()}`, settings: Partial<CallbackSettings> = {}) => {
    const blocking = new Redis(r.url);
    blockings.push(blocking);
    const c = await startCallbacks({
      redis: r.redis,
      blocking,
      keys: r.keys,
      partitions: PARTITIONS,
      loadApp: (id) => apps.callbackTarget(id),
      consumer,
      log: silentLogger,
      settings: { ...SETTINGS, ...settings },
    });
    running.push(c);
    return c;
  };

  /** An app whose callbacks go to the receiver path `/app/<name>`. */
  const app = async (name: string, states?: State[]) => {
    const { app: a, callbackSecret } = await apps.create({
      name,
      callbackUrl: `${rx.url}/app/${name}?token=abc`,
      ...(states ? { callbackStates: states } : {}),
    });
    secrets.set(name, callbackSecret!);
    return a.id;
  };

  /** Writes one lifecycle event as the ledger does: it names `appId`; the record holds `biz`. */
  const emit = async (
    appId: number | undefined,
    state: State,
    o: { messageId?: string; biz?: string } = {},
  ) => {
    const messageId = o.messageId ?? `m${randomTag()}`;
    const p = partitionOf(messageId, PARTITIONS);
    if (appId !== undefined) {
      await r.redis.hset(
        r.keys.attempt(p, messageId),
        'app',
        String(appId),
        ...(o.biz ? ['biz', o.biz] : []),
      );
    }
    const e = {
      messageId,
      templateId: 7,
      receiver: 'a@x.com',
      channel: 'email' as const,
      messageType: 'notice' as const,
      state,
      at: Date.now(),
      reason: state === 'failed' ? 'SMTP_550' : '',
      ...(appId === undefined ? {} : { appId }),
    };
    await r.redis.xadd(r.keys.events(p), '*', ...encodeEvent(e));
    return e;
  };

  /** Every event routed and every outbox entry settled: nothing read-but-unacked, nothing waiting. */
  const settled = async () => {
    for (let p = 0; p < PARTITIONS; p++) {
      const s = r.keys.events(p);
      if ((await groupLag(r.redis, s, CALLBACKS_GROUP)) > 0) return false;
      if ((await pendingCount(r.redis, s, CALLBACKS_GROUP)) > 0) return false;
    }
    const outbox = r.keys.callbacks();
    if ((await groupLag(r.redis, outbox, CALLBACKS_GROUP)) > 0) return false;
    if ((await pendingCount(r.redis, outbox, CALLBACKS_GROUP)) > 0) return false;
    return (await r.redis.zcard(r.keys.callbacksDelayed())) === 0;
  };
  const deadLetters = async () =>
    (await r.redis.xrange(r.keys.callbacksDead(), '-', '+')).map(([, f]) => {
      const o: Record<string, string> = {};
      for (let i = 0; i < f.length; i += 2) o[f[i]!] = f[i + 1]!;
      return o;
    });

  test('wanted states are posted once each, signed, with the event in the body; others are not', async () => {
    await start();
    const id = await app('shop', ['sent', 'failed', 'delivered']);
    const a = await emit(id, 'accepted');
    const sent = await emit(id, 'sent', { messageId: a.messageId, biz: 'order-1' });
    const failed = await emit(id, 'failed');
    await emit(id, 'retrying');
    const carried = await emit(id, 'delivered');
    await waitFor('callbacks settled', settled);

    assert.equal(received.length, 3, JSON.stringify(received.map((x) => x.payload?.type)));
    assert.ok(received.every((x) => x.ok && x.req.method === 'POST' && x.req.url === '/app/shop?token=abc'));
    const byType = new Map(received.map((x) => [x.payload.type, x]));
    const s = byType.get('message.sent')!;
    assert.deepEqual(s.payload, {
      type: 'message.sent',
      timestamp: new Date(sent.at).toISOString(),
      data: {
        messageId: sent.messageId,
        templateId: 7,
        receiver: 'a@x.com',
        channel: 'email',
        messageType: 'notice',
        state: 'sent',
        at: sent.at,
        reason: '',
        bizId: 'order-1',
      },
    });
    assert.equal(s.req.headers['webhook-id'], `${sent.messageId}.sent.${sent.at}`);
    assert.equal(s.req.headers['content-type'], 'application/json');
    assert.equal(byType.get('message.failed')!.payload.data.reason, 'SMTP_550');
    assert.equal(byType.get('message.failed')!.payload.data.messageId, failed.messageId);
    assert.equal(byType.get('message.delivered')!.payload.data.messageId, carried.messageId);
    assert.equal(new Set(received.map((x) => x.req.headers['webhook-id'])).size, 3);
  });

  test('500 twice then 200: posted on the third attempt with the same webhook-id and body', async () => {
    const id = await app('flaky');
    answers.set('flaky', (n) => ({ status: n <= 2 ? 500 : 200 }));
    const e = await emit(id, 'sent');
    await waitFor('callbacks settled', async () => received.length >= 3 && (await settled()));
    assert.equal(received.length, 3);
    assert.ok(received.every((x) => x.ok));
    assert.deepEqual(
      received.map((x) => x.req.headers['webhook-id']),
      Array(3).fill(`${e.messageId}.sent.${e.at}`),
    );
    assert.equal(new Set(received.map((x) => x.req.body)).size, 1);
    assert.equal((await deadLetters()).filter((d) => d.app === String(id)).length, 0);
  });

  test('a receiver always failing: dead letter after maxAttempts; 410 and 4xx stop at once', async () => {
    const down = await app('down');
    const gone = await app('gone');
    const picky = await app('picky');
    answers.set('down', () => ({ status: 503 }));
    answers.set('gone', () => ({ status: 410 }));
    answers.set('picky', () => ({ status: 400 }));
    const e = await emit(down, 'sent');
    await emit(gone, 'sent');
    await emit(picky, 'failed');
    await waitFor('callbacks settled', async () => (await deadLetters()).length >= 3 && (await settled()));

    assert.equal(received.filter((x) => x.app === 'down').length, SETTINGS.maxAttempts);
    assert.equal(received.filter((x) => x.app === 'gone').length, 1);
    assert.equal(received.filter((x) => x.app === 'picky').length, 1);
    const dead = new Map((await deadLetters()).map((d) => [d.app, d]));
    assert.equal(dead.get(String(down))?.dlq_reason, 'HTTP_503');
    assert.equal(dead.get(String(down))?.n, String(SETTINGS.maxAttempts));
    assert.equal(dead.get(String(down))?.wid, `${e.messageId}.sent.${e.at}`);
    assert.match(dead.get(String(down))?.dlq_message ?? '', /gave up after 5 attempts/);
    assert.equal(dead.get(String(gone))?.dlq_reason, 'GONE');
    assert.equal(dead.get(String(picky))?.dlq_reason, 'HTTP_400');
  });

  test('a hanging receiver holds neither other apps nor the event streams', async () => {
    const hang = await app('hang');
    const fine = await app('fine');
    let release!: () => void;
    const released = new Promise<void>((res) => {
      release = res;
    });
    answers.set('hang', async () => {
      await released;
      return { status: 200 };
    });
    const hangCount = () => received.filter((x) => x.app === 'hang').length;
    for (let i = 0; i < 6; i++) await emit(hang, 'sent');
    await waitFor('posts stuck at the hanging receiver', () => hangCount() === 2);
    for (let i = 0; i < 5; i++) await emit(fine, 'sent');
    await waitFor(
      'the other app got all its callbacks',
      () => received.filter((x) => x.app === 'fine').length === 5,
    );
    // Every event is routed and acknowledged although the hanging app's posts are stuck.
    await waitFor('event streams caught up', async () => {
      for (let p = 0; p < PARTITIONS; p++) {
        const s = r.keys.events(p);
        const behind =
          (await groupLag(r.redis, s, CALLBACKS_GROUP)) + (await pendingCount(r.redis, s, CALLBACKS_GROUP));
        if (behind > 0) return false;
      }
      return true;
    });
    // Never more than its share of the slots (perAppConcurrency) went to the hanging app.
    assert.equal(hangCount(), 2);
    release();
    await waitFor(
      'the hanging app got all its callbacks',
      async () => hangCount() >= 6 && (await settled()),
      15_000,
    );
  });

  test('no callback URL, or a platform send: nothing is posted; turning callbacks on applies within seconds', async () => {
    const { app: quiet } = await apps.create({ name: 'quiet' });
    await emit(quiet.id, 'sent');
    await emit(undefined, 'sent'); // no app in the record (cron/admin send)
    await waitFor('callbacks settled', settled);
    assert.equal(received.length, 0);

    const { callbackSecret } = await apps.update(quiet.id, { callbackUrl: `${rx.url}/app/quiet` });
    secrets.set('quiet', callbackSecret!);
    await waitFor('a callback once the new setting is seen', async () => {
      await emit(quiet.id, 'sent');
      return received.some((x) => x.app === 'quiet');
    });
    assert.ok(received.every((x) => x.ok));

    // A rotated secret signs the next callbacks (the receiver only knows the new one).
    secrets.set('quiet', await apps.rotateCallbackSecret(quiet.id));
    const from = received.length;
    await waitFor('a callback verified with the rotated secret', async () => {
      await emit(quiet.id, 'sent');
      return received.slice(from).some((x) => x.app === 'quiet' && x.ok);
    });
  });

  test('stopped or crashed mid-way, a restarted poster loses nothing', async () => {
    for (const c of running.splice(0)) await c.stop();
    const id = await app('durable');
    answers.set('durable', () => ({ status: 200, delayMs: 30 }));
    const first = await start('first');
    const events = [];
    for (let i = 0; i < 20; i++) events.push(await emit(id, 'sent'));
    await waitFor('some callbacks', () => received.length >= 3);
    await first.stop();
    assert.ok(received.length < 20, 'stopped too late to prove anything');

    // A router and a poster that read entries and died without acknowledging them.
    const crashed = [];
    for (let i = 0; i < 5; i++) crashed.push(await emit(id, 'delivered'));
    let taken = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const got = await r.redis.xreadgroup(
        'GROUP',
        CALLBACKS_GROUP,
        'dead-one',
        'STREAMS',
        r.keys.events(p),
        '>',
      );
      taken += got ? (got as [string, unknown[]][])[0]![1].length : 0;
    }
    assert.equal(taken, 5);
    const posting = [];
    for (let i = 0; i < 3; i++) {
      const e = { ...(await emit(undefined, 'read')), state: 'read' as const };
      const item = { appId: id, webhookId: webhookIdOf(e), messageId: e.messageId, state: e.state };
      const body = JSON.stringify(callbackPayload(e));
      await r.redis.xadd(
        r.keys.callbacks(),
        '*',
        ...Object.entries(encodeItem({ ...item, body, attempts: 0, reason: '' })).flat(),
      );
      posting.push(e);
    }
    const outboxTaken = await r.redis.xreadgroup(
      'GROUP',
      CALLBACKS_GROUP,
      'dead-one',
      'STREAMS',
      r.keys.callbacks(),
      '>',
    );
    assert.ok((outboxTaken as [string, unknown[]][])[0]![1].length >= 3);

    await start('second');
    await waitFor('callbacks settled', async () => received.length >= 28 && (await settled()), 20_000);
    const ids = new Set(received.filter((x) => x.ok).map((x) => x.req.headers['webhook-id']));
    for (const e of [...events, ...crashed, ...posting]) {
      assert.ok(ids.has(`${e.messageId}.${e.state}.${e.at}`), `lost ${e.messageId} ${e.state}`);
    }
  });
});
