import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { renderContent } from '../../../domain/render.ts';
import type { ProviderClient, SendOutcome } from '../../definition.ts';
import { newWebhookSecret } from '../../kit/standard-webhooks.ts';
import type { Kit } from '../../kit/types.ts';
import { WEBHOOK_USER_AGENT } from './client.ts';
import { type WebhookContent, webhook } from './definition.ts';
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from './fake.ts';
import { openWebhookTestKit, webhookDelivery, webhookTemplate } from './fixtures.ts';

// Client behaviour against a real local receiver. The receiver is on 127.0.0.1, so these
// accounts allow private networks (the guard itself is covered in ssrf.test.ts).
const SECRET = newWebhookSecret();
let kit: Kit;
let closeKit: () => Promise<void>;
let rx: FakeWebhookReceiver;
const clients: ProviderClient<WebhookContent>[] = [];

const account = (over: Record<string, unknown> = {}) => {
  const client = webhook.create(
    webhook.config.parse({ secret: SECRET, allowPrivateNetworks: true, ...over }),
    kit,
    { id: 1, channel: 'webhook', provider: 'webhook' },
  );
  clients.push(client);
  return client;
};

const send = (
  client: ProviderClient<WebhookContent>,
  receiver: string,
  content: WebhookContent = { body: { a: 1 } },
) => client.send({ delivery: webhookDelivery(receiver), template: webhookTemplate(content), content });

const failed = (o: SendOutcome) => {
  assert.equal(o.ok, false, `expected a failure, got ${JSON.stringify(o)}`);
  return o as Extract<SendOutcome, { ok: false }>;
};

before(async () => {
  ({ kit, close: closeKit } = await openWebhookTestKit());
  rx = await startFakeWebhookReceiver({ secret: SECRET });
});
after(async () => {
  for (const c of clients) await c.close?.();
  await closeKit();
  await rx.close();
});

test('a send is signed per Standard Webhooks and carries exactly the rendered body', async () => {
  rx.answer({ status: 200 });
  const template = {
    body: { event: 'order.paid', order: '{$orderId}', items: [{ sku: '{$sku}', n: 2 }], ok: true },
  };
  const vars = { orderId: 'A-17', sku: 'späti €' };
  const content = renderContent(template, vars) as WebhookContent;
  const delivery = webhookDelivery(`${rx.url}/hooks/orders`, { variables: vars });
  const client = account({ headers: { 'X-Team': 'billing' } });
  const before = rx.received.length;

  const outcome = await client.send({
    delivery,
    template: webhookTemplate(template),
    content: { ...content, headers: { 'x-order': 'A-17' } },
  });

  assert.deepEqual(outcome, { ok: true, providerMessageId: delivery.id });
  const [got] = (await rx.waitFor(before + 1)).slice(before);
  assert.ok(got);
  assert.deepEqual(got.verified, { ok: true }, 'the spec algorithm accepts the signature');
  assert.equal(got.method, 'POST');
  assert.equal(got.path, '/hooks/orders');
  assert.equal(got.body, JSON.stringify(content.body), 'the bytes signed are the bytes sent');
  assert.deepEqual(JSON.parse(got.body), {
    event: 'order.paid',
    order: 'A-17',
    items: [{ sku: 'späti €', n: 2 }],
    ok: true,
  });
  assert.equal(got.headers['webhook-id'], delivery.id);
  assert.match(got.headers['webhook-signature'] ?? '', /^v1,[A-Za-z0-9+/]+=*$/);
  assert.ok(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 5);
  assert.equal(got.headers['content-type'], 'application/json');
  assert.equal(got.headers['user-agent'], WEBHOOK_USER_AGENT);
  assert.equal(got.headers['x-team'], 'billing', 'account headers are sent');
  assert.equal(got.headers['x-order'], 'A-17', 'content headers are sent');
});

test('the receiver rejects a wrong secret or a stale timestamp (the check is real)', async () => {
  rx.answer({ status: 200 });
  const wrong = webhook.create(
    webhook.config.parse({ secret: newWebhookSecret(), allowPrivateNetworks: true }),
    kit,
    { id: 2, channel: 'webhook', provider: 'webhook' },
  );
  clients.push(wrong);
  const o1 = failed(await send(wrong, `${rx.url}/x`));
  assert.equal(o1.code, 'HTTP_401');
  assert.equal(o1.retryable, false);
  assert.deepEqual(rx.received.at(-1)?.verified, { ok: false, reason: 'no matching signature' });

  const staleKit = await openWebhookTestKit(() => Date.now() - 10 * 60_000);
  const stale = webhook.create(
    webhook.config.parse({ secret: SECRET, allowPrivateNetworks: true }),
    staleKit.kit,
    { id: 3, channel: 'webhook', provider: 'webhook' },
  );
  const o2 = failed(await send(stale, `${rx.url}/x`));
  await stale.close?.();
  await staleKit.close();
  assert.equal(o2.code, 'HTTP_401');
  assert.deepEqual(rx.received.at(-1)?.verified, { ok: false, reason: 'timestamp too old' });
});

test('webhook-id stays the same across a retry and each attempt verifies', async () => {
  const client = account();
  const content = { body: { n: 1 } };
  const first = webhookDelivery(`${rx.url}/retry`);
  const before = rx.received.length;

  rx.answer({ status: 503 });
  const o1 = failed(await client.send({ delivery: first, template: webhookTemplate(content), content }));
  assert.equal(o1.code, 'HTTP_503');
  assert.equal(o1.retryable, true);
  rx.answer({ status: 204 });
  const retry = { ...first, attempt: 2 };
  const o2 = await client.send({ delivery: retry, template: webhookTemplate(content), content });
  assert.deepEqual(o2, { ok: true, providerMessageId: first.id });

  const [a, b] = (await rx.waitFor(before + 2)).slice(before);
  assert.equal(a?.headers['webhook-id'], first.id);
  assert.equal(b?.headers['webhook-id'], first.id);
  assert.equal(a?.verified.ok && b?.verified.ok, true);
  assert.equal(a?.body, b?.body);
});

test('answers are classified: 2xx sent, 410 and other 4xx permanent, 408/5xx retryable', async () => {
  const client = account();
  for (const status of [200, 201, 202, 204]) {
    rx.answer({ status });
    assert.equal((await send(client, `${rx.url}/ok`)).ok, true, `HTTP ${status} is sent`);
  }
  const cases: [number, string, boolean][] = [
    [410, 'HTTP_410', false],
    [400, 'HTTP_400', false],
    [404, 'HTTP_404', false],
    [422, 'HTTP_422', false],
    [408, 'HTTP_408', true],
    [500, 'HTTP_500', true],
    [502, 'HTTP_502', true],
    [504, 'HTTP_504', true],
    [599, 'HTTP_599', true],
  ];
  for (const [status, code, retryable] of cases) {
    rx.answer({ status });
    const o = failed(await send(client, `${rx.url}/x`));
    assert.equal(o.code, code);
    assert.equal(o.retryable, retryable, `HTTP ${status} retryable=${retryable}`);
    assert.equal(o.rateLimited, undefined);
  }
});

test('429 is rate limited and honours Retry-After in seconds or as an HTTP-date', async () => {
  const client = account();
  rx.answer({ status: 429, headers: { 'retry-after': '7' } });
  const o1 = failed(await send(client, `${rx.url}/x`));
  assert.equal(o1.code, 'HTTP_429');
  assert.equal(o1.rateLimited, true);
  assert.equal(o1.retryable, true);
  assert.equal(o1.retryAfterMs, 7000);

  const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 120_000).toUTCString();
  rx.answer({ status: 429, headers: { 'retry-after': at } });
  const o2 = failed(await send(client, `${rx.url}/x`));
  assert.ok(
    o2.retryAfterMs !== undefined && o2.retryAfterMs > 110_000 && o2.retryAfterMs <= 121_000,
    String(o2.retryAfterMs),
  );

  rx.answer({ status: 429 });
  assert.equal(failed(await send(client, `${rx.url}/x`)).retryAfterMs, undefined);
});

test('a 3xx is a permanent failure naming the location without credentials or query', async () => {
  const client = account();
  rx.answer({
    status: 302,
    headers: { location: 'https://user:pw@elsewhere.example/new/path?token=s3cret#f' },
  });
  const o = failed(await send(client, `${rx.url}/old`));
  assert.equal(o.code, 'HTTP_3XX');
  assert.equal(o.retryable, false);
  assert.match(o.message, /HTTP 302/);
  assert.match(o.message, /https:\/\/elsewhere\.example\/new\/path/);
  assert.doesNotMatch(o.message, /s3cret|user|pw@|token/);

  rx.answer({ status: 308, headers: { location: '/moved?k=v' } });
  const rel = failed(await send(client, `${rx.url}/old`));
  assert.ok(rel.message.includes(`${rx.url}/moved`), rel.message);
  assert.doesNotMatch(rel.message, /k=v/);
});

test('a receiver that never answers times out, retryable', async () => {
  const client = account({ timeoutMs: 1000 });
  rx.answer('hang');
  const before = rx.received.length;
  const started = Date.now();
  const o = failed(await send(client, `${rx.url}/slow`));
  rx.answer({ status: 200 });
  assert.equal(o.code, 'HTTP_TIMEOUT');
  assert.equal(o.retryable, true);
  assert.ok(Date.now() - started < 5000, 'the account timeout applies');
  assert.equal(rx.received.length, before + 1, 'the request did arrive');
});

test('outcome messages never carry the receiver URL credentials or query', async () => {
  const client = account({ timeoutMs: 1000 });
  const receiver = `http://alice:pa55word@${rx.url.slice('http://'.length)}/hook?token=t0ps3cret`;
  rx.answer({ status: 500 });
  const o1 = failed(await send(client, receiver));
  assert.equal(o1.code, 'HTTP_500');
  rx.answer('hang');
  const o2 = failed(await send(client, receiver));
  rx.answer({ status: 200 });
  const refused = failed(await send(client, 'http://alice:pa55word@127.0.0.1:1/hook?token=t0ps3cret'));
  assert.equal(refused.code, 'HTTP_CONNECT');
  for (const o of [o1, o2, refused]) assert.doesNotMatch(o.message, /t0ps3cret|pa55word|alice/, o.message);
  const got = rx.received.at(-1);
  assert.equal(got?.headers['authorization'], `Basic ${Buffer.from('alice:pa55word').toString('base64')}`);
  assert.equal(got?.path, '/hook?token=t0ps3cret', 'the full URL is still what is called');
});

test('a header broken by a rendered variable is a permanent failure and nothing is sent', async () => {
  const client = account();
  const before = rx.received.length;
  const content = renderContent(
    { body: { a: 1 }, headers: { 'x-user': '{$name}' } },
    { name: 'eve\r\nx-admin: 1' },
  );
  const o = failed(await send(client, `${rx.url}/x`, content));
  assert.equal(o.code, 'INVALID_HEADER');
  assert.equal(o.retryable, false);
  const bad = failed(await send(client, 'ftp://example.com/x'));
  assert.equal(bad.code, 'INVALID_URL');
  assert.equal(rx.received.length, before);
});
