import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCatalog } from '../channels/catalog.ts';
import { webhook } from '../channels/providers/webhook/definition.ts';
import { startFakeWebhookReceiver } from '../channels/providers/webhook/fake.ts';
import type { SenderAccount } from '../channels/sender.ts';
import { createPlatformSenders } from '../channels/senders.ts';
import { type Delivery, encodeDelivery } from '../domain/delivery.ts';
import { newId } from '../domain/ids.ts';
import type { Template } from '../domain/template.ts';
import { createLedger } from '../lifecycle/ledger.ts';
import { silentLogger } from '../telemetry/logger.ts';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { createDeliver } from './deliver.ts';

// The breaker end to end through the handler's deliver step: a webhook target failing 100% opens
// the account+host breaker; deliveries are then held back (retrying, no attempt spent, no call
// made), and a probe after the open period closes it once the target recovers.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('circuit breaker in the send path (webhook → failing local receiver)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let rx: Awaited<ReturnType<typeof startFakeWebhookReceiver>>;
  const changes: string[] = [];
  let platform: ReturnType<typeof createPlatformSenders>;

  before(async () => {
    r = await testRedis();
    rx = await startFakeWebhookReceiver({ secret: SECRET });
    platform = createPlatformSenders({
      catalog: createCatalog([webhook]),
      redis: r.redis,
      keys: r.keys,
      loadAccount: async () => account,
      breaker: { threshold: 3, halfOpenAfterMs: 400 },
      onBreakerChange: (key, state) => changes.push(`${key}:${state}`),
    });
  });
  after(async () => {
    await platform.close();
    await rx.close();
    await r.cleanup();
  });

  const account: SenderAccount = {
    id: 9,
    channel: 'webhook',
    provider: 'webhook',
    config: { secret: SECRET, allowPrivateNetworks: true },
    updatedAt: 1,
  };
  const template: Template = {
    id: 4,
    name: 'hook',
    channel: 'webhook',
    messageType: 'notice',
    accountId: 9,
    content: { body: { hello: '{$name}' } },
    status: 'active',
    shield: 'none',
    timezone: null,
    appId: 1,
    sharedWithApps: [],
    version: 1,
    sensitive: 'none',
    updatedAt: 1,
  };

  test('opens after repeated failures, holds deliveries back, closes after recovery', async () => {
    const ledger = createLedger({ redis: r.redis, keys: r.keys, partitions: 2, ttlMs: 60_000 });
    const deliver = createDeliver({
      ledger,
      routeOf: () => 'webhook.notice',
      template: async () => template,
      account: async () => account,
      sender: (a) => platform.senders.forAccount(a),
      retry: { maxAttempts: 5, baseMs: 10, maxMs: 1000 },
      consumer: 'test',
      log: silentLogger,
    });
    const delivery = (): Delivery => ({
      id: newId(),
      requestId: 'rq',
      templateId: 4,
      channel: 'webhook',
      messageType: 'notice',
      receiver: `${rx.url}/hook`,
      variables: { name: 'Ann' },
      bizId: '',
      attempt: 1,
      traceparent: '',
      acceptedAt: Date.now(),
    });
    const run = (d: Delivery) => {
      const flat = encodeDelivery(d);
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return deliver({ stream: 's', id: '1-0', fields, deliveries: 1 });
    };

    rx.answer({ status: 503 });
    const first = [delivery(), delivery(), delivery()];
    for (const d of first) {
      const s = await run(d);
      assert.equal(s.kind, 'delay', 'a 503 is retried');
      assert.equal(s.kind === 'delay' && s.fields.att, '2', 'the failed attempt counts');
    }
    assert.equal(rx.received.length, 3);
    assert.ok(changes.includes(`9:${new URL(rx.url).host}:open`), `breaker opened: ${changes}`);

    // Open: the next deliveries are held back without a call and without spending an attempt.
    const held = [delivery(), delivery()];
    for (const d of held) {
      const s = await run(d);
      assert.equal(s.kind, 'delay');
      assert.equal(s.kind === 'delay' && s.fields.att, '1', 'no attempt spent while open');
      const rec = await ledger.record(d.id);
      assert.equal(rec?.st, 'retrying', 'held back as retrying, not failed');
    }
    assert.equal(rx.received.length, 3, 'no call reached the failing target while open');

    // The target recovers; after the open period one probe goes through and closes the breaker.
    rx.answer({ status: 200 });
    await waitFor(
      'open period over',
      async () => platform.breakers.openFor(`9:${new URL(rx.url).host}`) === undefined,
      5000,
      20,
    );
    const probe = held[0]!;
    assert.equal((await run(probe)).kind, 'ack');
    assert.equal((await ledger.record(probe.id))?.st, 'sent');
    assert.ok(changes.at(-1)?.endsWith(':closed'), `breaker closed: ${changes}`);
    const after = delivery();
    assert.equal((await run(after)).kind, 'ack');
    assert.equal(rx.received.length, 5);
    assert.ok(
      rx.received.every((m) => m.verified.ok),
      'every request carried a valid signature',
    );
  });
});
