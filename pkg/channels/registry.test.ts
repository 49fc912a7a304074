import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import type { Delivery } from '../domain/delivery.ts';
import type { Template } from '../domain/template.ts';
import { testKit } from '../testkit/kit.ts';
import { testDelivery } from '../testkit/messages.ts';
import { testRedis } from '../testkit/testkit.ts';
import { catalog, createCatalog } from './catalog.ts';
import type { ProviderDefinition, SendOutcome } from './definition.ts';
import type { Kit } from './kit/types.ts';
import { sandbox } from './providers/sandbox/definition.ts';
import { readSandboxInbox } from './providers/sandbox/inbox.ts';
import { smtp } from './providers/smtp/definition.ts';
import { createSenderCache } from './registry.ts';
import { type BreakerPort, CIRCUIT_OPEN, type SenderAccount } from './sender.ts';

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
  appId: 1,
  sharedWithApps: [],
  version: 1,
  sensitive: 'none',
  updatedAt: 1,
};
const delivery = (receiver = 'a@x.com'): Delivery =>
  testDelivery({ receiver, requestId: 'r', acceptedAt: 0 });

/** A test provider of the sandbox channel: the given `create`, any content, a `version` config. */
const probeDefinition = (
  provider: string,
  create: ProviderDefinition<{ version: number }>['create'],
  extra: Partial<ProviderDefinition> = {},
): ProviderDefinition<{ version: number }> => ({
  channel: 'sandbox',
  provider,
  title: `probe ${provider}`,
  config: z.object({ version: z.number() }),
  content: z.unknown(),
  receivers: ['any'],
  errors: {},
  capabilities: {},
  create,
  ...extra,
});

/**
 * Test providers whose clients record builds and closes (tagged `<account id>@<config version>`)
 * and whose sends wait on a gate; one whose send throws; one whose `create` throws.
 */
function probes() {
  const log: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  const list = [
    probeDefinition('probe', (config, _kit, account) => {
      const tag = `${account.id}@${config.version}`;
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
    }),
    probeDefinition('throws', () => ({
      send: async () => {
        throw new Error('boom');
      },
    })),
    probeDefinition('broken', () => {
      throw new Error('bad factory');
    }),
    // Breakers keyed by the receiver's first letter within the account (like the webhook's host).
    probeDefinition('scoped', () => ({ send: async () => ({ ok: true }) }), {
      breakerScope: (receiver) => receiver.slice(0, 1),
    }),
  ];
  return {
    log,
    catalog: createCatalog(list),
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => {
        release = r;
      });
      return release;
    },
  };
}

/** An account whose config version follows its `updatedAt` (so the probe tag tells builds apart). */
const acct = (id: number, updatedAt: number, provider = 'probe'): SenderAccount => ({
  id,
  channel: 'sandbox',
  provider,
  config: { version: updatedAt },
  updatedAt,
});

const req = () => ({ delivery: delivery(), template, content: {} });

describe('sender cache', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let kit: Kit;
  before(async () => {
    r = await testRedis();
    kit = testKit({ redis: r.redis, keys: r.keys });
  });
  after(async () => {
    await kit.http.close();
    await r.cleanup();
  });

  test('builds lazily, reuses per (id, updatedAt), rebuilds on change and closes the old sender after its sends', async () => {
    const p = probes();
    const accounts = new Map<number, SenderAccount>([[1, acct(1, 100)]]);
    const cache = createSenderCache({
      catalog: p.catalog,
      kitFor: () => kit,
      loadAccount: async (id) => accounts.get(id),
    });
    assert.deepEqual(p.log, [], 'nothing built before use');
    const a = await cache.get(1);
    const b = await cache.get(1);
    assert.ok(a && b);
    assert.equal(a.sender, b.sender, 'same sender while unchanged');
    assert.deepEqual(p.log, ['build 1@100']);
    assert.equal(await cache.get(2), undefined, 'unknown account');

    const release = p.hold();
    const inFlight = a.sender.send(req());
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
    assert.deepEqual(await c.sender.send(req()), { ok: true, providerMessageId: '1@200' });
    assert.equal(cache.size(), 1);
    await cache.closeAll();
    assert.deepEqual(p.log.slice(-1), ['close 1@200']);
    assert.equal(cache.size(), 0);
  });

  test('closeAll also closes a replaced sender still finishing a send', async () => {
    const p = probes();
    const cache = createSenderCache({
      catalog: p.catalog,
      kitFor: () => kit,
      loadAccount: async () => undefined,
    });
    const old = cache.forAccount(acct(9, 1));
    const release = p.hold();
    const pending = old.send(req());
    cache.forAccount(acct(9, 2));
    await cache.closeAll();
    assert.ok(p.log.includes('close 9@1') && p.log.includes('close 9@2'));
    release();
    assert.deepEqual(await pending, { ok: true, providerMessageId: '9@1' }, 'the running send still settles');
    assert.equal(p.log.filter((l) => l === 'close 9@1').length, 1, 'closed once');
  });

  test('unknown providers, throwing clients and throwing `create`s fail without throwing', async () => {
    const p = probes();
    const cache = createSenderCache({
      catalog: p.catalog,
      kitFor: () => kit,
      loadAccount: async () => undefined,
    });
    const send = (a: SenderAccount) => cache.forAccount(a).send(req());
    const o1 = await send(acct(1, 1, 'nope'));
    assert.ok(!o1.ok);
    assert.equal(o1.code, 'PROVIDER_UNSUPPORTED');
    assert.equal(o1.retryable, false);
    const o2 = await send(acct(2, 1, 'throws'));
    assert.ok(!o2.ok);
    assert.equal(o2.code, 'SENDER_ERROR');
    assert.equal(o2.retryable, true);
    assert.match(o2.message, /boom/);
    const o3 = await send(acct(3, 1, 'broken'));
    assert.ok(!o3.ok);
    assert.equal(o3.code, 'SENDER_INIT_FAILED');
    assert.equal(o3.retryable, false);
    // A provider of another channel is not found under this one.
    const o4 = await send({ ...acct(4, 1), channel: 'email' });
    assert.ok(!o4.ok);
    assert.equal(o4.code, 'PROVIDER_UNSUPPORTED');
    await cache.closeAll();
  });

  test('admit and send follow the breakers: an open key holds its calls back for its wait', async () => {
    const p = probes();
    // A tiny real BreakerPort: keys in `open` are open for the given ms, every other key is closed.
    const open = new Map<string, number>([
      ['5', 4000],
      ['6:b', 700],
    ]);
    const ran: string[] = [];
    const breakers: BreakerPort = {
      openFor: (key) => open.get(key),
      async run(key, call) {
        const wait = open.get(key);
        if (wait !== undefined) return { open: true, retryAfterMs: wait };
        ran.push(key);
        return call();
      },
    };
    const cache = createSenderCache({
      catalog: p.catalog,
      kitFor: () => kit,
      loadAccount: async () => undefined,
      breakers,
    });
    const held = cache.forAccount(acct(5, 1));
    assert.deepEqual(held.admit('a@x.com'), { ok: false, retryAfterMs: 4000 });
    const o = await held.send(req());
    assert.ok(!o.ok);
    assert.equal(o.code, CIRCUIT_OPEN);
    assert.equal(o.retryable, true);
    assert.equal(o.retryAfterMs, 4000);
    assert.ok(!p.log.some((l) => l.startsWith('close')), 'nothing closed');

    const free = cache.forAccount(acct(7, 1));
    assert.deepEqual(free.admit('a@x.com'), { ok: true });
    assert.deepEqual(await free.send(req()), { ok: true, providerMessageId: '7@1' });
    assert.deepEqual(ran, ['7'], 'the call ran under the breaker of its account');

    // With a breakerScope the key is `<account>:<scope>`: one open scope holds back only its receivers.
    const scoped = cache.forAccount(acct(6, 1, 'scoped'));
    assert.deepEqual(scoped.admit('bob@x.com'), { ok: false, retryAfterMs: 700 });
    assert.deepEqual(scoped.admit('ann@x.com'), { ok: true });
    assert.equal((await scoped.send({ ...req(), delivery: delivery('ann@x.com') })).ok, true);
    const blocked = await scoped.send({ ...req(), delivery: delivery('bob@x.com') });
    assert.ok(!blocked.ok);
    assert.equal(blocked.code, CIRCUIT_OPEN);
    assert.deepEqual(ran, ['7', '6:a']);

    // The port is consulted on every call, not captured at build time.
    open.delete('5');
    assert.deepEqual(held.admit('a@x.com'), { ok: true });
    await cache.closeAll();
  });
});

describe('the platform catalog', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  const kits: Kit[] = [];
  before(async () => {
    r = await testRedis();
  });
  after(async () => {
    await Promise.all(kits.map((k) => k.http.close()));
    await r.cleanup();
  });

  test('lists email/smtp and sandbox/sandbox; sandbox sends land in the inbox', async () => {
    assert.equal(catalog.find('email', 'smtp'), smtp);
    assert.equal(catalog.find('sandbox', 'sandbox'), sandbox);
    const cache = createSenderCache({
      catalog,
      kitFor: (a) => {
        const k = testKit({ redis: r.redis, keys: r.keys, accountId: a.id });
        kits.push(k);
        return k;
      },
      loadAccount: async (id) => ({
        id,
        channel: 'sandbox',
        provider: 'sandbox',
        config: { inboxCap: 10 },
        updatedAt: 1,
      }),
    });
    const got = await cache.get(4);
    assert.ok(got);
    assert.equal(got.sender.provider, 'sandbox');
    const d = delivery();
    assert.deepEqual(await got.sender.send({ delivery: d, template, content: { text: 'hi' } }), {
      ok: true,
      providerMessageId: d.id,
    });
    const inbox = await readSandboxInbox(r.redis, r.keys, { limit: 5 });
    assert.equal(inbox.items[0]?.messageId, d.id);
    assert.deepEqual(inbox.items[0]?.content, { text: 'hi' });
    assert.deepEqual(await got.sender.testConnection(), { ok: true });
    await cache.closeAll();
  });
});
