import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../domain/delivery.ts';
import { newId } from '../domain/ids.ts';
import type { Template } from '../domain/template.ts';
import { testRedis } from '../testkit/testkit.ts';
import { builtinFactories, createSenderCache, type SenderFactories } from './registry.ts';
import { readSandboxInbox } from './sandbox.ts';
import type { SenderAccount, SendOutcome } from './types.ts';

const template: Template = {
  id: 1,
  name: 't',
  channel: 'sandbox',
  messageType: 'notice',
  accountId: 1,
  content: { text: 'x' },
  status: 'active',
  shield: 'none',
  timezone: null,
  updatedAt: 1,
};
const delivery = (): Delivery => ({
  id: newId(),
  requestId: 'r',
  templateId: 1,
  channel: 'sandbox',
  messageType: 'notice',
  receiver: 'a@x.com',
  variables: {},
  bizId: '',
  attempt: 1,
  traceparent: '',
  acceptedAt: 0,
});

/** A factory whose senders record builds and closes, and whose sends wait on a gate. */
function probeFactories() {
  const log: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  const factories: SenderFactories = {
    'sandbox/probe': (account) => {
      const tag = `${account.id}@${account.updatedAt}`;
      log.push(`build ${tag}`);
      return {
        async send(): Promise<SendOutcome> {
          await gate;
          return { ok: true, providerMessageId: tag };
        },
        async close() {
          log.push(`close ${tag}`);
        },
      };
    },
    'sandbox/throws': () => ({
      send: async () => {
        throw new Error('boom');
      },
    }),
    'sandbox/broken': () => {
      throw new Error('bad factory');
    },
  };
  return {
    log,
    factories,
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => {
        release = r;
      });
      return release;
    },
  };
}

const acct = (id: number, updatedAt: number, provider = 'probe'): SenderAccount => ({
  id,
  channel: 'sandbox',
  provider,
  config: {},
  updatedAt,
});

describe('sender cache', () => {
  test('builds lazily, reuses per (id, updatedAt), rebuilds on change and closes the old sender after its sends', async () => {
    const p = probeFactories();
    const accounts = new Map<number, SenderAccount>([[1, acct(1, 100)]]);
    const cache = createSenderCache({ factories: p.factories, loadAccount: async (id) => accounts.get(id) });
    assert.deepEqual(p.log, [], 'nothing built before use');
    const a = await cache.get(1);
    const b = await cache.get(1);
    assert.ok(a && b);
    assert.equal(a.sender, b.sender, 'same sender while unchanged');
    assert.deepEqual(p.log, ['build 1@100']);
    assert.equal(await cache.get(2), undefined, 'unknown account');

    const release = p.hold();
    const inFlight = a.sender.send({ delivery: delivery(), template, content: {}, account: a.account });
    accounts.set(1, acct(1, 200));
    const c = await cache.get(1);
    assert.ok(c);
    assert.notEqual(c.sender, a.sender);
    assert.deepEqual(p.log, ['build 1@100', 'build 1@200'], 'old sender not closed under a running send');
    release();
    assert.deepEqual(await inFlight, { ok: true, providerMessageId: '1@100' });
    assert.deepEqual(p.log, ['build 1@100', 'build 1@200', 'close 1@100']);

    // An older version loaded late never replaces the newer sender.
    assert.equal(cache.forAccount(acct(1, 150)), c.sender);
    assert.deepEqual(
      await c.sender.send({ delivery: delivery(), template, content: {}, account: c.account }),
      {
        ok: true,
        providerMessageId: '1@200',
      },
    );
    assert.equal(cache.size(), 1);
    await cache.closeAll();
    assert.deepEqual(p.log.slice(-1), ['close 1@200']);
    assert.equal(cache.size(), 0);
  });

  test('closeAll also closes a replaced sender still finishing a send', async () => {
    const p = probeFactories();
    const cache = createSenderCache({ factories: p.factories, loadAccount: async () => undefined });
    const old = cache.forAccount(acct(9, 1));
    const release = p.hold();
    const pending = old.send({ delivery: delivery(), template, content: {}, account: acct(9, 1) });
    cache.forAccount(acct(9, 2));
    await cache.closeAll();
    assert.ok(p.log.includes('close 9@1') && p.log.includes('close 9@2'));
    release();
    await pending;
    assert.equal(p.log.filter((l) => l === 'close 9@1').length, 1, 'closed once');
  });

  test('unknown providers, throwing senders and broken factories fail without throwing', async () => {
    const p = probeFactories();
    const cache = createSenderCache({ factories: p.factories, loadAccount: async () => undefined });
    const send = (a: SenderAccount) =>
      cache.forAccount(a).send({ delivery: delivery(), template, content: {}, account: a });
    const o1 = await send(acct(1, 1, 'nope'));
    assert.ok(!o1.ok);
    assert.equal(o1.code, 'PROVIDER_UNSUPPORTED');
    assert.equal(o1.retryable, false);
    const o2 = await send(acct(2, 1, 'throws'));
    assert.ok(!o2.ok);
    assert.equal(o2.code, 'SENDER_ERROR');
    assert.equal(o2.retryable, true);
    const o3 = await send(acct(3, 1, 'broken'));
    assert.ok(!o3.ok);
    assert.equal(o3.code, 'SENDER_INIT_FAILED');
    assert.equal(o3.retryable, false);
    await cache.closeAll();
  });
});

describe('built-in factories', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(async () => {
    await r.cleanup();
  });

  test('email/smtp and sandbox/sandbox are registered; sandbox sends land in the inbox', async () => {
    const factories = builtinFactories({ redis: r.redis, keys: r.keys, sandboxInboxCap: 10 });
    assert.deepEqual(Object.keys(factories).sort(), ['email/smtp', 'sandbox/sandbox']);
    const cache = createSenderCache({ factories, loadAccount: async (id) => acct(id, 1, 'sandbox') });
    const got = await cache.get(4);
    assert.ok(got);
    const d = delivery();
    assert.equal(
      (await got.sender.send({ delivery: d, template, content: { text: 'hi' }, account: got.account })).ok,
      true,
    );
    const inbox = await readSandboxInbox(r.redis, r.keys, { limit: 5 });
    assert.equal(inbox.items[0]?.messageId, d.id);
    await cache.closeAll();
  });
});
