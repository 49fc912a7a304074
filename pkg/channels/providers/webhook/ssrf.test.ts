import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ProviderClient, SendOutcome } from '../../definition.ts';
import { newWebhookSecret } from '../../kit/standard-webhooks.ts';
import type { Kit } from '../../kit/types.ts';
import { type WebhookContent, webhook } from './definition.ts';
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from './fake.ts';
import { openWebhookTestKit, webhookDelivery, webhookTemplate } from './fixtures.ts';

// SSRF: receivers are URLs typed by callers. With allowPrivateNetworks false (the default) the
// guard refuses loopback, private, link-local/metadata addresses, literal or after DNS, before
// any connection; redirects are never followed, so a public URL cannot bounce us inside.
const SECRET = newWebhookSecret();
let kit: Kit;
let closeKit: () => Promise<void>;
let rx: FakeWebhookReceiver;
let target: FakeWebhookReceiver;
const clients: ProviderClient<WebhookContent>[] = [];

const account = (allowPrivateNetworks?: boolean) => {
  const config = webhook.config.parse({
    secret: SECRET,
    timeoutMs: 2000,
    ...(allowPrivateNetworks === undefined ? {} : { allowPrivateNetworks }),
  });
  const client = webhook.create(config, kit, { id: 1, channel: 'webhook', provider: 'webhook' });
  clients.push(client);
  return client;
};

const send = (client: ProviderClient<WebhookContent>, receiver: string) => {
  const content = { body: { probe: true } };
  return client.send({ delivery: webhookDelivery(receiver), template: webhookTemplate(content), content });
};

const refused = (o: SendOutcome, address: RegExp, cls: RegExp) => {
  assert.equal(o.ok, false, `expected a refusal, got ${JSON.stringify(o)}`);
  if (o.ok) return;
  assert.equal(o.code, 'HTTP_BLOCKED_ADDRESS', o.message);
  assert.equal(o.retryable, false, 'a refused address is permanent');
  assert.match(o.message, /refused/);
  assert.match(o.message, address);
  assert.match(o.message, cls);
  assert.doesNotMatch(o.message, /secret-token/);
};

before(async () => {
  ({ kit, close: closeKit } = await openWebhookTestKit());
  rx = await startFakeWebhookReceiver({ secret: SECRET });
  target = await startFakeWebhookReceiver({ secret: SECRET });
});
after(async () => {
  for (const c of clients) await c.close?.();
  await closeKit();
  await rx.close();
  await target.close();
});

test('the default account refuses loopback, private and metadata addresses without connecting', async () => {
  const client = account();
  refused(await send(client, `${rx.url}/hook?t=secret-token`), /127\.0\.0\.1/, /loopback/);
  refused(await send(client, 'http://10.0.0.1/hook?t=secret-token'), /10\.0\.0\.1/, /private/);
  refused(await send(client, 'http://169.254.169.254/latest/meta-data/'), /169\.254\.169\.254/, /link-local/);
  refused(await send(client, 'http://[::1]:9/x'), /::1/, /loopback/);
  refused(await send(client, 'http://192.168.1.1/x'), /192\.168\.1\.1/, /private/);
  assert.equal(rx.received.length, 0, 'the loopback receiver got nothing');
});

test('a DNS name resolving to loopback is refused after resolution', async () => {
  const client = account(false);
  const o = await send(client, `http://localhost:${rx.port}/hook?t=secret-token`);
  refused(o, /localhost/, /loopback/);
  assert.equal(rx.received.length, 0, 'nothing reached the receiver behind localhost');
});

test('a redirect to a private address is a permanent failure and is never followed', async () => {
  // The first hop must be reachable, and locally every address is private: this account allows
  // them, so what is proved is that the redirect is not followed, whatever the guard says.
  const client = account(true);
  for (const location of [
    `${target.url}/internal?t=secret-token`,
    'http://169.254.169.254/latest/meta-data/',
  ]) {
    rx.answer({ status: 302, headers: { location } });
    const o = await send(client, `${rx.url}/public`);
    assert.equal(o.ok, false);
    if (o.ok) continue;
    assert.equal(o.code, 'HTTP_3XX');
    assert.equal(o.retryable, false);
    assert.ok(o.message.includes(location.split('?')[0]!), o.message);
    assert.doesNotMatch(o.message, /secret-token/);
  }
  assert.equal(rx.received.length, 2, 'the first hop was asked both times');
  assert.equal(target.received.length, 0, 'the redirect target got no request');
});

test('allowPrivateNetworks lets a loopback receiver get the message', async () => {
  const client = account(true);
  rx.answer({ status: 200 });
  const before = rx.received.length;
  const o = await send(client, `${rx.url}/hook`);
  assert.equal(o.ok, true, JSON.stringify(o));
  const got = (await rx.waitFor(before + 1)).at(-1);
  assert.deepEqual(got?.verified, { ok: true });
  const viaName = await send(client, `http://localhost:${rx.port}/hook`);
  assert.equal(viaName.ok, true, JSON.stringify(viaName));
});
