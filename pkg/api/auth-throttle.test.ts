import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import type { Closer } from '../process/shutdown.ts';
import { createLogger } from '../telemetry/logger.ts';
import { testRedis } from '../testkit/testkit.ts';
import { createApp } from './app.ts';
import { type AuthThrottleSettings, addressMatcher, authThrottle } from './auth-throttle.ts';
import { listen } from './listen.ts';

// Real sockets from other loopback addresses (127.0.0.2, …) so the source is not the exempt
// 127.0.0.1, and real Redis shared by two app instances, as two ingest processes share it.

const ADMIN = 'admin-token-for-the-throttle-test';
const APP_KEY = 'pk_throttle_test_app_key';
const WRONG = 'wrong-token-that-must-never-be-logged';

type Line = Record<string, unknown>;
function capture() {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  return { log: createLogger({ level: 'info', name: 'ingest', destination }), lines };
}

/** One request from `from` (a local address to bind the client socket to). */
function call(port: number, from: string, path: string, token: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const r = request(
        { host: '127.0.0.1', port, path, localAddress: from, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      r.on('error', reject);
      r.end();
    },
  );
}

describe('auth-failure throttle', () => {
  const r = { closers: [] as Closer[] };
  let redis: Awaited<ReturnType<typeof testRedis>>;
  let out: ReturnType<typeof capture>;
  let portA: number;
  let portB: number;
  const settings: AuthThrottleSettings = { limit: 3, windowS: 60, blockS: 30, exempt: ['127.0.0.1', '::1'] };

  const instance = async () => {
    const app = createApp({
      log: out.log,
      accessLog: false,
      adminToken: ADMIN,
      // No key is valid: a blocked address is refused before its key is even looked up.
      lookupApp: async () => undefined,
      ready: async () => ({}),
      admin: new Hono().get('/ping', (c) => c.json({ ok: true })),
      data: [new Hono().get('/v1/messages', (c) => c.json({ items: [] }))],
      authThrottle: authThrottle({ redis: redis.redis, keys: redis.keys, log: out.log, settings }),
    });
    const http = await listen(app.fetch, { port: 0, host: '127.0.0.1', name: 'http' });
    r.closers.push(http.closer);
    return http.port;
  };
  before(async () => {
    redis = await testRedis();
    out = capture();
    portA = await instance();
    portB = await instance();
  });
  after(async () => {
    for (const c of r.closers) await c.close();
    await redis.cleanup();
  });

  test('limit failures from one address: 429 JSON with Retry-After on every route, for that address only', async () => {
    const from = '127.0.0.2';
    for (let i = 0; i < settings.limit; i++) {
      // Spread over both instances: the count lives in Redis.
      assert.equal((await call(i % 2 ? portA : portB, from, '/v1/admin/ping', WRONG)).status, 401);
    }
    for (const [port, path, token] of [
      [portA, '/v1/admin/ping', ADMIN],
      [portB, '/v1/admin/ping', ADMIN],
      [portA, '/v1/messages', APP_KEY],
      [portB, '/v1/admin/ping', WRONG],
    ] as const) {
      const res = await call(port, from, path, token);
      assert.equal(res.status, 429, `${path} with ${token === ADMIN ? 'the admin token' : 'a key'}`);
      assert.match(String(res.headers['content-type']), /application\/json/);
      assert.equal(
        (JSON.parse(res.body) as { error: { code: string } }).error.code,
        'TOO_MANY_AUTH_FAILURES',
      );
      const retry = Number(res.headers['retry-after']);
      assert.ok(retry > 0 && retry <= settings.blockS, `Retry-After ${retry}`);
    }
    // Another address is untouched, and unauthenticated routes stay open to the blocked one.
    assert.equal((await call(portA, '127.0.0.3', '/v1/admin/ping', ADMIN)).status, 200);
    assert.equal((await call(portA, from, '/healthz', WRONG)).status, 200);
    // The log names the address and the count, never the token.
    const warned = out.lines.filter((l) => l.address === from);
    assert.ok(
      warned.some(
        (l) => l.failures === settings.limit && l.msg === 'authentication failures: address blocked',
      ),
    );
    assert.ok(!JSON.stringify(out.lines).includes(WRONG), 'the presented token reached the log');
  });

  test('a success does not reset the count', async () => {
    const from = '127.0.0.4';
    for (let i = 0; i < settings.limit - 1; i++) {
      assert.equal((await call(portA, from, '/v1/admin/ping', WRONG)).status, 401);
    }
    assert.equal((await call(portA, from, '/v1/admin/ping', ADMIN)).status, 200);
    assert.equal((await call(portA, from, '/v1/messages', 'pk_not_a_key')).status, 401);
    assert.equal((await call(portA, from, '/v1/admin/ping', ADMIN)).status, 429);
  });

  test('the exempt list (loopback by default) is never throttled', async () => {
    for (let i = 0; i < settings.limit * 3; i++) {
      assert.equal((await call(portA, '127.0.0.1', '/v1/admin/ping', WRONG)).status, 401);
    }
    assert.equal((await call(portA, '127.0.0.1', '/v1/admin/ping', ADMIN)).status, 200);
  });

  test('one 401 counts once even where auth patterns overlap (/v1/admin and /v1/admin/*)', async () => {
    const from = '127.0.0.5';
    await call(portA, from, '/v1/admin', WRONG);
    const key = redis.keys.authFailures(from);
    assert.equal(await redis.redis.get(key), '1');
    assert.ok((await redis.redis.pttl(key)) > 0, 'the window expires');
  });
});

describe('addressMatcher', () => {
  test('addresses, CIDRs, IPv6 and IPv4-mapped peers', () => {
    const m = addressMatcher(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    assert.equal(m('127.0.0.1'), true);
    assert.equal(m('::ffff:127.0.0.1'), true);
    assert.equal(m('10.200.3.4'), true);
    assert.equal(m('11.0.0.1'), false);
    assert.equal(m('::1'), true);
    assert.equal(m('fd12::5'), true);
    assert.equal(m('2001:db8::1'), false);
    assert.equal(m('not-an-address'), false);
    assert.equal(addressMatcher([])('127.0.0.1'), false);
  });
  test('a typo fails at start', () => {
    assert.throws(() => addressMatcher(['127.0.0.300']), /not an IP address/);
    assert.throws(() => addressMatcher(['10.0.0.0/x']), /not an IP address/);
  });
});
