import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { after, test } from 'node:test';
import { type FakeReply, startFakeHttp } from '../../testkit/fake-http.ts';
import { freePort } from '../../testkit/testkit.ts';
import { createHttpClient } from './http.ts';
import type { LookupFn } from './ssrf.ts';
import { HttpError } from './types.ts';

// One fake server whose answer per path is set by the test using it.
const routes = new Map<string, FakeReply>();
const fake = await startFakeHttp((req) => routes.get(req.path) ?? { status: 404, body: 'no route' });
after(() => fake.close());

const failsWith = (code: string, msg?: RegExp) => (e: unknown) =>
  e instanceof HttpError && e.code === code && (msg === undefined || msg.test(e.message));

test('keep-alive: sequential calls reuse connections; json bodies and lower-cased headers', async () => {
  routes.set('/echo', { status: 201, headers: { 'X-Request-Id': 'r-1' }, body: { ok: true } });
  const http = createHttpClient();
  const before = fake.connections();
  for (let i = 0; i < 10; i++) {
    const res = await http.request({ url: `${fake.url}/echo?i=${i}`, json: { n: i } });
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-request-id'], 'r-1');
    assert.deepEqual(res.json(), { ok: true });
  }
  // undici may open a second socket when the next call is dispatched a tick before the first
  // socket reports itself free; after that both are reused.
  assert.ok(fake.connections() - before <= 2, `${fake.connections() - before} connections for ten calls`);
  const mine = fake.requests.filter((r) => r.path === '/echo');
  assert.ok(new Set(mine.map((r) => r.remotePort)).size <= 2);
  assert.equal(mine[2]!.method, 'POST', 'a body defaults to POST');
  assert.equal(mine[2]!.headers['content-type'], 'application/json');
  assert.deepEqual(mine[2]!.json(), { n: 2 });
  assert.deepEqual(mine[2]!.query, { i: '2' });
  await http.close();
});

test('connections caps the sockets per origin: concurrent calls queue on one connection', async () => {
  routes.set('/one', { status: 200, body: 'ok', delayMs: 20 });
  const http = createHttpClient({ connections: 1 });
  const before = fake.connections();
  const all = await Promise.all(Array.from({ length: 5 }, () => http.request({ url: `${fake.url}/one` })));
  assert.deepEqual(
    all.map((r) => r.body),
    ['ok', 'ok', 'ok', 'ok', 'ok'],
  );
  assert.equal(fake.connections() - before, 1);
  await http.close();
});

test('a non-JSON answer reads as text; json() is undefined; a raw body and method pass as given', async () => {
  routes.set('/text', { status: 200, body: 'plain words' });
  const http = createHttpClient();
  const res = await http.request({
    method: 'PUT',
    url: `${fake.url}/text`,
    body: 'a=1',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(res.body, 'plain words');
  assert.equal(res.json(), undefined);
  const got = fake.requests.findLast((r) => r.path === '/text')!;
  assert.equal(got.method, 'PUT');
  assert.equal(got.body, 'a=1');
  assert.equal(got.headers['content-type'], 'application/x-www-form-urlencoded');
  await http.close();
});

test('a slow answer fails with HTTP_TIMEOUT (client default and per-request override)', async () => {
  routes.set('/slow', { status: 200, body: 'late', delayMs: 3000 });
  const http = createHttpClient({ timeoutMs: 150 });
  const t0 = Date.now();
  await assert.rejects(http.request({ url: `${fake.url}/slow` }), (e: unknown) => {
    return failsWith('HTTP_TIMEOUT', /150 ms/)(e) && (e as HttpError).retryable;
  });
  assert.ok(Date.now() - t0 < 2000, 'gave up at the timeout, not at the answer');
  const longer = createHttpClient({ timeoutMs: 10_000 });
  await assert.rejects(
    longer.request({ url: `${fake.url}/slow`, timeoutMs: 100 }),
    failsWith('HTTP_TIMEOUT', /100 ms/),
  );
  await Promise.all([http.close(), longer.close()]);
});

test('an answer over maxResponseBytes fails with HTTP_RESPONSE_TOO_LARGE, declared or streamed', async () => {
  routes.set('/big', { status: 200, body: 'x'.repeat(5000) });
  routes.set('/big-chunked', {
    status: 200,
    headers: { 'transfer-encoding': 'chunked' },
    body: 'y'.repeat(5000),
  });
  routes.set('/fits', { status: 200, body: 'z'.repeat(1000) });
  const http = createHttpClient({ maxResponseBytes: 1000 });
  await assert.rejects(http.request({ url: `${fake.url}/big` }), failsWith('HTTP_RESPONSE_TOO_LARGE'));
  await assert.rejects(
    http.request({ url: `${fake.url}/big-chunked` }),
    failsWith('HTTP_RESPONSE_TOO_LARGE'),
  );
  assert.equal((await http.request({ url: `${fake.url}/fits` })).body.length, 1000);
  await http.close();
});

test('redirects are not followed: the 3xx is the answer', async () => {
  routes.set('/moved', { status: 302, headers: { location: '/echo' } });
  const http = createHttpClient();
  const before = fake.requests.length;
  const res = await http.request({ url: `${fake.url}/moved` });
  assert.equal(res.status, 302);
  assert.equal(res.headers['location'], '/echo');
  assert.equal(fake.requests.length - before, 1, 'the location was not fetched');
  await http.close();
});

test('a refused connection fails with HTTP_CONNECT, a reset one with HTTP_RESET (in doubt); both retryable', async () => {
  const http = createHttpClient();
  const port = await freePort();
  await assert.rejects(http.request({ url: `http://127.0.0.1:${port}/` }), (e: unknown) => {
    return failsWith('HTTP_CONNECT', /ECONNREFUSED/)(e) && (e as HttpError).retryable;
  });
  routes.set('/reset', { status: 200, reset: true });
  await assert.rejects(http.request({ url: `${fake.url}/reset` }), (e: unknown) => {
    return failsWith('HTTP_RESET')(e) && (e as HttpError).retryable;
  });
  await http.close();
});

test('credentials in the URL are sent as Basic auth and left out of errors', async () => {
  routes.set('/auth', { status: 204 });
  const http = createHttpClient();
  await http.request({ url: `${fake.url.replace('//', '//ann:p%40ss@')}/auth` });
  const got = fake.requests.findLast((r) => r.path === '/auth')!;
  assert.equal(got.headers['authorization'], `Basic ${Buffer.from('ann:p@ss').toString('base64')}`);
  const port = await freePort();
  await assert.rejects(
    http.request({ url: `http://ann:hunter2@127.0.0.1:${port}/x?token=s3cret` }),
    (e: Error) => {
      return !/hunter2|s3cret|token=/.test(e.message);
    },
  );
  await http.close();
});

/** A resolver standing in for DNS: every name resolves to `ip` (a rebinding name, at connect time). */
const resolvesTo = (ip: string): LookupFn =>
  ((_h: string, _o: unknown, cb: (e: null, a: LookupAddress[]) => void) =>
    cb(null, [{ address: ip, family: ip.includes(':') ? 6 : 4 }])) as unknown as LookupFn;

test('the SSRF guard refuses private targets, literal or resolved, before any byte is sent', async () => {
  routes.set('/hook', { status: 200, body: 'reached' });
  const guarded = createHttpClient({
    guard: { allowPrivateNetworks: false },
    lookup: resolvesTo('127.0.0.1'),
  });
  const before = fake.requests.length;
  const refused: readonly (readonly [string, RegExp])[] = [
    [`${fake.url}/hook?token=s3cret`, /127\.0\.0\.1: loopback/],
    ['http://10.0.0.1/hook', /10\.0\.0\.1: private/],
    ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
    [`http://[::1]:${fake.port}/hook`, /::1: loopback/],
    [`http://rebind.example:${fake.port}/hook`, /rebind\.example \(127\.0\.0\.1\): loopback/],
    ['ftp://example.com/', /only http and https/],
  ];
  for (const [url, msg] of refused) {
    await assert.rejects(
      guarded.request({ url, json: { a: 1 } }),
      (e: unknown) =>
        failsWith('HTTP_BLOCKED_ADDRESS', msg)(e) && !(e as HttpError).retryable && !/s3cret/.test(String(e)),
      url,
    );
  }
  // `localhost` goes through the real resolver and is refused on its resolved address.
  const realDns = createHttpClient({ guard: { allowPrivateNetworks: false } });
  await assert.rejects(
    realDns.request({ url: `http://localhost:${fake.port}/hook` }),
    failsWith('HTTP_BLOCKED_ADDRESS', /localhost \((127\.0\.0\.1|::1)\): loopback/),
  );
  assert.equal(fake.requests.length, before, 'the fake server received nothing');

  // The same targets are reachable when the account allows private networks (and without a guard).
  const open = createHttpClient({ guard: { allowPrivateNetworks: true } });
  assert.equal((await open.request({ url: `${fake.url}/hook` })).body, 'reached');
  assert.equal((await open.request({ url: `http://localhost:${fake.port}/hook` })).status, 200);
  assert.equal(fake.requests.length, before + 2);
  await Promise.all([guarded.close(), realDns.close(), open.close()]);
});
