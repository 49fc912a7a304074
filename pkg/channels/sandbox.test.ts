import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../domain/delivery.ts';
import { newId } from '../domain/ids.ts';
import type { Template } from '../domain/template.ts';
import { testRedis } from '../testkit/testkit.ts';
import { createSandboxSender, readSandboxInbox } from './sandbox.ts';
import type { SenderAccount } from './types.ts';

const template: Template = {
  id: 3,
  name: 'hello',
  channel: 'sandbox',
  messageType: 'notice',
  accountId: 1,
  content: { text: 'Hello {$name}' },
  status: 'active',
  shield: 'none',
  timezone: null,
  updatedAt: 1,
};

const delivery = (receiver: string, attempt = 1): Delivery => ({
  id: newId(),
  requestId: 'r',
  templateId: template.id,
  channel: 'sandbox',
  messageType: 'notice',
  receiver,
  variables: {},
  bizId: '',
  attempt,
  traceparent: '',
  acceptedAt: Date.now(),
});

const account = (config: Record<string, unknown> = {}): SenderAccount => ({
  id: 1,
  channel: 'sandbox',
  provider: 'sandbox',
  config,
  updatedAt: 1,
});

describe('sandbox channel', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(async () => {
    await r.cleanup();
  });

  test('keeps sent messages newest first in a capped inbox, filterable by receiver', async () => {
    const factory = createSandboxSender({ redis: r.redis, keys: r.keys, inboxCap: 25, now: () => 1234 });
    const acct = account();
    const sender = factory(acct);
    const sent: Delivery[] = [];
    // 40 sends concurrently: the cap must hold under concurrency.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const d = delivery(i % 4 === 0 ? 'ann@x.com' : `u${i}@x.com`);
        sent.push(d);
        return sender.send({ delivery: d, template, content: { text: `Hello ${i}` }, account: acct });
      }),
    );
    assert.equal(await r.redis.llen(r.keys.sandboxInbox()), 25);
    const all = await readSandboxInbox(r.redis, r.keys, { limit: 10 });
    assert.equal(all.total, 25);
    assert.equal(all.items.length, 10);
    const first = all.items[0]!;
    assert.deepEqual(Object.keys(first).sort(), ['content', 'messageId', 'receiver', 'sentAt', 'templateId']);
    assert.equal(first.sentAt, 1234);
    assert.equal(first.templateId, 3);

    const d = delivery('bob@x.com');
    const o = await sender.send({ delivery: d, template, content: { text: 'Hello Bob' }, account: acct });
    assert.deepEqual(o, { ok: true, providerMessageId: d.id });
    const bob = await readSandboxInbox(r.redis, r.keys, { receiver: 'bob@x.com', limit: 5 });
    assert.equal(bob.total, 1);
    assert.deepEqual(bob.items, [
      { messageId: d.id, receiver: 'bob@x.com', content: { text: 'Hello Bob' }, sentAt: 1234, templateId: 3 },
    ]);
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
    const factory = createSandboxSender({ redis: r.redis, keys: r.keys, inboxCap: 100, random: () => 0.5 });
    const flaky = account({ failAttempts: 2, failCode: 'BUSY', retryAfterMs: 2000, rateLimited: true });
    const s1 = factory(flaky);
    const send = (a: SenderAccount, d: Delivery) =>
      factory(a).send({ delivery: d, template, content: { text: 'x' }, account: a });
    const o1 = await s1.send({ delivery: delivery('a@x.com', 1), template, content: {}, account: flaky });
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

    const picky = account({ rejectReceivers: ['bad@x.com'] });
    const o2 = await send(picky, delivery('bad@x.com'));
    assert.ok(!o2.ok);
    assert.equal(o2.code, 'SANDBOX_REJECTED');
    assert.equal(o2.retryable, false);

    assert.equal(
      (await send(account({ failRate: 0.6, failRetryable: false }), delivery('a@x.com'))).ok,
      false,
    );
    assert.equal((await send(account({ failRate: 0.4 }), delivery('a@x.com'))).ok, true);

    const started = Date.now();
    assert.equal((await send(account({ latencyMs: 120 }), delivery('a@x.com'))).ok, true);
    assert.ok(Date.now() - started >= 110, 'latency applied');

    const o3 = await send(account({ failRate: 7 }), delivery('a@x.com'));
    assert.ok(!o3.ok);
    assert.equal(o3.code, 'ACCOUNT_CONFIG_INVALID');
    assert.equal(o3.retryable, false);
  });
});
