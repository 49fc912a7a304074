import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testKit } from '../../../testkit/kit.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import type { Kit } from '../../kit/types.ts';
import { buildSender, type SenderAccount } from '../../sender.ts';
import { createSandboxClient } from './client.ts';
import { sandbox, sandboxConfig } from './definition.ts';
import { readSandboxInbox } from './inbox.ts';

const template: Template = testTemplate({ id: 3, name: 'hello' });

const delivery = (receiver: string, attempt = 1): Delivery =>
  testDelivery({ requestId: 'r', templateId: template.id, receiver, attempt });

const account = (config: Record<string, unknown> = {}): SenderAccount => ({
  id: 1,
  channel: 'sandbox',
  provider: 'sandbox',
  config,
  updatedAt: 1,
});

describe('sandbox channel', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let kit: Kit;
  /** A client of the account config `config` (parsed as a save would), failures picked by `random`. */
  const client = (config: Record<string, unknown> = {}, random: () => number = () => 0.5) =>
    createSandboxClient(sandboxConfig.parse(config), kit, random);
  before(async () => {
    r = await testRedis();
    kit = testKit({ redis: r.redis, keys: r.keys, now: () => 1234 });
  });
  after(async () => {
    await kit.http.close();
    await r.cleanup();
  });

  test('keeps sent messages newest first in a capped inbox, filterable by receiver', async () => {
    const sender = client({ inboxCap: 25 });
    const sent: Delivery[] = [];
    // 40 sends concurrently: the cap must hold under concurrency.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const d = delivery(i % 4 === 0 ? 'ann@x.com' : `u${i}@x.com`);
        sent.push(d);
        return sender.send({ delivery: d, template, content: { text: `Hello ${i}` } });
      }),
    );
    assert.equal(await r.redis.llen(r.keys.sandboxInbox()), 25);
    const all = await readSandboxInbox(r.redis, r.keys, { limit: 10 });
    assert.equal(all.total, 25);
    assert.equal(all.items.length, 10);
    const first = all.items[0]!;
    assert.deepEqual(Object.keys(first).sort(), [
      'appId',
      'content',
      'messageId',
      'receiver',
      'sentAt',
      'templateId',
    ]);
    assert.equal(first.sentAt, 1234);
    assert.equal(first.templateId, 3);

    const d = { ...delivery('bob@x.com'), appId: 7 };
    const o = await sender.send({ delivery: d, template, content: { text: 'Hello Bob' } });
    assert.deepEqual(o, { ok: true, providerMessageId: d.id });
    const bob = await readSandboxInbox(r.redis, r.keys, { receiver: 'bob@x.com', limit: 5 });
    assert.equal(bob.total, 1);
    const bobItem = {
      messageId: d.id,
      receiver: 'bob@x.com',
      content: { text: 'Hello Bob' },
      sentAt: 1234,
      templateId: 3,
      appId: 7,
    };
    assert.deepEqual(bob.items, [bobItem]);
    // An app reads only what it sent, with or without a receiver filter.
    assert.deepEqual(await readSandboxInbox(r.redis, r.keys, { limit: 50, appId: 7 }), {
      items: [bobItem],
      total: 1,
    });
    assert.deepEqual(await readSandboxInbox(r.redis, r.keys, { receiver: 'bob@x.com', limit: 5, appId: 8 }), {
      items: [],
      total: 0,
    });
    const newest = await readSandboxInbox(r.redis, r.keys, { limit: 1 });
    assert.equal(newest.items[0]!.messageId, d.id, 'newest first');

    const ann = await readSandboxInbox(r.redis, r.keys, { receiver: 'ann@x.com', limit: 2 });
    const annKept = (await r.redis.lrange(r.keys.sandboxInbox(), 0, -1)).filter((s) =>
      s.includes('"ann@x.com"'),
    );
    assert.equal(ann.total, annKept.length);
    assert.ok(ann.total > 2);
    assert.equal(ann.items.length, 2);
    assert.ok(ann.items.every((i) => i.receiver === 'ann@x.com'));
    assert.deepEqual(await readSandboxInbox(r.redis, r.keys, { receiver: 'nobody@x.com', limit: 5 }), {
      items: [],
      total: 0,
    });
  });

  test('failure injection: failing attempts, rejected receivers, failure rate, latency', async () => {
    const send = (config: Record<string, unknown>, d: Delivery) =>
      client(config).send({ delivery: d, template, content: { text: 'x' } });
    const flaky = { failAttempts: 2, failCode: 'BUSY', retryAfterMs: 2000, rateLimited: true };
    const o1 = await client(flaky).send({
      delivery: delivery('a@x.com', 1),
      template,
      content: { text: 'x' },
    });
    assert.deepEqual(o1, {
      ok: false,
      retryable: true,
      code: 'BUSY',
      message: 'injected sandbox failure',
      retryAfterMs: 2000,
      rateLimited: true,
    });
    assert.equal((await send(flaky, delivery('a@x.com', 2))).ok, false);
    assert.equal((await send(flaky, delivery('a@x.com', 3))).ok, true);

    const picky = { rejectReceivers: ['bad@x.com'] };
    const o2 = await send(picky, delivery('bad@x.com'));
    assert.ok(!o2.ok);
    assert.equal(o2.code, 'SANDBOX_REJECTED');
    assert.equal(o2.retryable, false);

    assert.equal((await send({ failRate: 0.6, failRetryable: false }, delivery('a@x.com'))).ok, false);
    assert.equal((await send({ failRate: 0.4 }, delivery('a@x.com'))).ok, true);

    const started = Date.now();
    assert.equal((await send({ latencyMs: 120 }, delivery('a@x.com'))).ok, true);
    assert.ok(Date.now() - started >= 110, 'latency applied');

    // An invalid account config never reaches the client: the sender built from the definition
    // fails every send permanently, naming the field.
    const invalid = buildSender(sandbox, account({ failRate: 7 }), kit);
    const o3 = await invalid.send({ delivery: delivery('a@x.com'), template, content: { text: 'x' } });
    assert.ok(!o3.ok);
    assert.equal(o3.code, 'ACCOUNT_CONFIG_INVALID');
    assert.equal(o3.retryable, false);
    assert.match(o3.message, /failRate/);
  });

  test('receipt callback: a valid body is one receipt at the kit clock, a bad body is refused', async () => {
    const receipts = client().receipts;
    assert.ok(receipts?.callback);
    const call = (body: string) => receipts.callback!({ headers: {}, query: {}, body });
    assert.deepEqual(await call(JSON.stringify({ messageId: 'm-1', state: 'delivered' })), {
      receipts: [{ messageId: 'm-1', providerMessageId: 'm-1', state: 'delivered', at: 1234 }],
      reply: { status: 200, body: { ok: true } },
    });
    const failed = await call(JSON.stringify({ messageId: 'm-2', state: 'failed', reason: 'NO_SUCH_USER' }));
    assert.ok('receipts' in failed);
    assert.deepEqual(failed.receipts, [
      { messageId: 'm-2', providerMessageId: 'm-2', state: 'failed', at: 1234, reason: 'NO_SUCH_USER' },
    ]);

    for (const bad of [
      'not json',
      '{}',
      JSON.stringify({ messageId: 'm-3', state: 'lost' }),
      JSON.stringify({ state: 'read' }),
    ]) {
      const refused = await call(bad);
      assert.ok(!('receipts' in refused), `refused: ${bad}`);
      assert.equal(refused.ok, false);
      assert.match(refused.message, /messageId/);
    }

    // Through the sender too: the platform's callback route reaches it via the built sender.
    const sender = buildSender(sandbox, account(), kit);
    assert.ok(sender.callback);
    const viaSender = await sender.callback({
      headers: {},
      query: {},
      body: '{"messageId":"m-4","state":"read"}',
    });
    assert.ok('receipts' in viaSender);
    assert.deepEqual(viaSender.receipts, [
      { messageId: 'm-4', providerMessageId: 'm-4', state: 'read', at: 1234 },
    ]);
  });

  test('recall of a sent message succeeds and leaves the inbox item (it shows what was sent)', async () => {
    const sender = buildSender(sandbox, account(), kit);
    assert.ok(sender.recall, 'the sandbox can recall');
    const d = delivery('recall-me@x.com');
    const sent = await sender.send({ delivery: d, template, content: { text: 'to be recalled' } });
    assert.ok(sent.ok && sent.providerMessageId);
    const r1 = await sender.recall({
      messageId: d.id,
      providerMessageId: sent.providerMessageId,
      receiver: d.receiver,
    });
    assert.deepEqual(r1, { ok: true });
    const kept = await readSandboxInbox(r.redis, r.keys, { receiver: 'recall-me@x.com', limit: 5 });
    assert.deepEqual(
      kept.items.map((i) => i.messageId),
      [d.id],
    );
  });
});
