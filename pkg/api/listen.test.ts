import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import type { Closer } from '../process/shutdown.ts';
import { createLogger } from '../telemetry/logger.ts';
import { createApp } from './app.ts';
import { listen } from './listen.ts';

/** Tells a test when a route of the app under test has run. */
const routes = new EventEmitter();

// Raw sockets, because what is under test is the HTTP edge itself: what Node's parser, the
// adapter and the keep-alive handling put on the wire before and around the app.

const ADMIN = 'admin-token-for-the-listen-test';

/** A socket to the server that collects what it receives and tells when the server closed it. */
function rawClient(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let data = '';
  let closed = false;
  const waiters: (() => void)[] = [];
  const poke = () => {
    for (const w of waiters.splice(0)) w();
  };
  socket.on('data', (d) => {
    data += d.toString('latin1');
    poke();
  });
  socket.on('close', () => {
    closed = true;
    poke();
  });
  socket.on('error', () => {});
  const until = (ok: () => boolean, what: string, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${data}`)), ms);
      const check = () => {
        if (ok()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  return {
    socket,
    write: (s: string | Buffer) => new Promise<void>((r) => socket.write(s, () => r())),
    /** Resolves with the n-th complete response (status, lower-cased headers, body). */
    async response(n = 1) {
      await until(() => parse(data).length >= n || closed, `response ${n}`);
      const r = parse(data)[n - 1];
      if (!r) throw new Error(`connection closed before response ${n}: ${JSON.stringify(data)}`);
      return r;
    },
    closed: () => until(() => closed, 'close'),
    isClosed: () => closed,
  };
}

type Raw = { status: number; headers: Record<string, string>; body: string };
function parse(data: string): Raw[] {
  const out: Raw[] = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [line, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const len = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + len) return out;
    out.push({ status: Number(line?.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + len) });
    rest = rest.slice(end + 4 + len);
  }
}

const isErrorShape = (r: Raw, code: string) => {
  assert.match(r.headers['content-type'] ?? '', /application\/json/);
  const body = JSON.parse(r.body) as { error?: { code?: string; message?: string } };
  assert.equal(body.error?.code, code, r.body);
  assert.equal(typeof body.error?.message, 'string');
};

describe('the HTTP edge (listen)', () => {
  let closer: Closer;
  let port: number;
  before(async () => {
    const app = createApp({
      log: createLogger({ level: 'silent', name: 'ingest' }),
      accessLog: false,
      adminToken: ADMIN,
      lookupApp: async () => undefined,
      ready: async () => ({}),
      maxBodyBytes: 1024,
      admin: new Hono()
        .post('/echo', async (c) => c.json({ n: (await c.req.text()).length }))
        .delete('/ignores-body', (c) => {
          routes.emit('ignores-body');
          return c.json({ ok: true });
        }),
    });
    ({ port, closer } = await listen(app.fetch, { port: 0, host: '127.0.0.1', name: 'http' }));
  });
  after(() => closer.close());

  const req = (body: string, length = body.length) =>
    `POST /v1/admin/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${body}`;
  const get = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';

  test('a small body and a keep-alive: two requests on one socket', async () => {
    const c = rawClient(port);
    await c.write(req('{"a":1}') + get);
    assert.equal((await c.response(1)).status, 200);
    assert.equal((await c.response(2)).status, 200);
    c.socket.destroy();
  });

  test('a small body the route ignores, arriving after the answer is ready: read and discarded, connection kept', async () => {
    const c = rawClient(port);
    const answered = once(routes, 'ignores-body');
    await c.write(
      `DELETE /v1/admin/ignores-body HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Length: 7\r\n\r\n`,
    );
    // The body follows once the route has answered without reading it.
    await answered;
    await c.write(`{"a":1}${get}`);
    const first = await c.response(1);
    assert.equal(first.status, 200);
    assert.notEqual(first.headers.connection?.toLowerCase(), 'close');
    assert.equal((await c.response(2)).status, 200);
    c.socket.destroy();
  });

  test('413 before the body is read: JSON, and the client is told the connection closes', async () => {
    const c = rawClient(port);
    // The body arrives slowly (the adapter's 500 ms drain then gives up on it and destroys the
    // socket): a response that said keep-alive would lose the request pipelined after it.
    const length = 64 * 1024;
    await c.write(req('', length));
    const first = await c.response(1);
    assert.equal(first.status, 413);
    isErrorShape(first, 'PAYLOAD_TOO_LARGE');
    if (first.headers.connection?.toLowerCase() === 'close') {
      await c.closed();
      return;
    }
    // Kept alive: then the rest of the body and the next request must be answered on it.
    for (let sent = 0; sent < length; sent += 8 * 1024) {
      await c.write('x'.repeat(8 * 1024));
    }
    await c.write(get);
    assert.equal((await c.response(2)).status, 200, 'said keep-alive, then dropped the next request');
    c.socket.destroy();
  });

  test('413 on a whole oversize body that arrived: JSON and the next request still answered or told close', async () => {
    const c = rawClient(port);
    await c.write(req('x'.repeat(4096)) + get);
    const first = await c.response(1);
    assert.equal(first.status, 413);
    isErrorShape(first, 'PAYLOAD_TOO_LARGE');
    if (first.headers.connection?.toLowerCase() === 'close') return void (await c.closed());
    assert.equal((await c.response(2)).status, 200);
    c.socket.destroy();
  });

  for (const [name, raw, status, code] of [
    ['a raw backslash in the path', 'GET /v1/admin\\x HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'BAD_REQUEST'],
    ['request-target *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'BAD_REQUEST'],
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'BAD_REQUEST'],
    [
      'a header without a colon',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n',
      400,
      'BAD_REQUEST',
    ],
    [
      'a bad Content-Length',
      'POST /v1/admin/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n',
      400,
      'BAD_REQUEST',
    ],
    [
      'headers too large',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
  ] as const) {
    test(`${name}: ${status} in the JSON error shape, Connection: close`, async () => {
      const c = rawClient(port);
      await c.write(raw);
      const r = await c.response(1);
      assert.equal(r.status, status, JSON.stringify(r));
      isErrorShape(r, code);
      assert.equal(r.headers.connection?.toLowerCase(), 'close');
      await c.closed();
    });
  }

  test('a path that fails URL decoding: JSON 4xx, the connection kept', async () => {
    const c = rawClient(port);
    await c.write(
      `GET /v1/admin/%E0%A4%A/x%ZZ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n\r\n${get}`,
    );
    const r = await c.response(1);
    assert.ok(r.status >= 400 && r.status < 500, JSON.stringify(r));
    assert.equal(typeof (JSON.parse(r.body) as { error: { code: string } }).error.code, 'string');
    assert.equal((await c.response(2)).status, 200);
    c.socket.destroy();
  });
});
