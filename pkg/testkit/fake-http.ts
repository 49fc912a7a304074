import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A request as the fake server received it (headers lower-cased, body read whole).
 *
 * @example assert.equal(fake.requests[0]!.query['access_token'], 'tok-1');
 */
export type FakeRequest = Readonly<{
  method: string;
  /** Path and query as sent, e.g. `/cgi-bin/message/send?access_token=t1`. */
  url: string;
  path: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** The body parsed as JSON (`undefined` when it is not JSON). */
  json(): unknown;
  /** Client port of the connection: equal ports on two requests = one reused keep-alive connection. */
  remotePort: number;
  /** Serial number of the connection (1, 2, …) in the order the server accepted them. */
  connection: number;
}>;

/**
 * What the handler answers. An object `body` is sent as JSON. `delayMs` holds the answer back
 * (a slow provider); `reset` drops the connection without an answer (a crashed one).
 *
 * @example { status: 200, body: { errcode: 0, errmsg: 'ok' } }
 * @example { status: 503, headers: { 'retry-after': '5' }, body: 'busy', delayMs: 50 }
 */
export type FakeReply = Readonly<{
  status: number;
  headers?: Readonly<Record<string, string>>;
  body?: string | object;
  delayMs?: number;
  reset?: boolean;
}>;

/**
 * Answers one recorded request (may be async; a throw answers 500).
 *
 * @example const handler: FakeHandler = (req) => ({ status: req.method === 'POST' ? 200 : 405 });
 */
export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

/**
 * A running fake provider: its base URL (`http://127.0.0.1:<port>`), what it received, and `close`.
 *
 * @example const fake: FakeHttp = await startFakeHttp(() => ({ status: 204 })); await fake.close();
 */
export type FakeHttp = Readonly<{
  url: string;
  port: number;
  /** Every request received so far, in arrival order (recorded before the handler runs). */
  requests: FakeRequest[];
  /** How many TCP connections were accepted so far. */
  connections(): number;
  close(): Promise<void>;
}>;

function recorded(req: IncomingMessage, body: string, connection: number): FakeRequest {
  const u = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = [v].flat().join(', ');
  return Object.freeze({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    path: u.pathname,
    query: Object.freeze(Object.fromEntries(u.searchParams)),
    headers: Object.freeze(headers),
    body,
    json() {
      try {
        return JSON.parse(body);
      } catch {
        return undefined;
      }
    },
    remotePort: req.socket.remotePort ?? 0,
    connection,
  });
}

/**
 * A real HTTP server on 127.0.0.1 (random port) standing in for a provider's API: each request
 * is recorded, then answered by `handler`. A handler that throws answers 500 with the message.
 * `close()` drops open connections and pending delayed answers, so a test never waits on them.
 * Every provider's fake server is built on it.
 *
 * @example
 * const fake = await startFakeHttp((req) => req.path === '/token'
 *   ? { status: 200, body: { access_token: 't1', expires_in: 7200 } }
 *   : { status: 404 });
 * // ... point the client at fake.url, then:
 * assert.equal(fake.requests.length, 1);
 * await fake.close();
 */
export async function startFakeHttp(handler: FakeHandler): Promise<FakeHttp> {
  const requests: FakeRequest[] = [];
  const sockets = new Map<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rec = recorded(req, Buffer.concat(chunks).toString('utf8'), sockets.get(req.socket) ?? 0);
    requests.push(rec);
    let reply: FakeReply;
    try {
      reply = await handler(rec);
    } catch (err) {
      reply = { status: 500, body: { error: String((err as Error)?.message ?? err) } };
    }
    if (reply.delayMs) {
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          timers.delete(t);
          r();
        }, reply.delayMs);
        timers.add(t);
      });
    }
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    const isJson = reply.body !== undefined && typeof reply.body !== 'string';
    const body = isJson ? JSON.stringify(reply.body) : ((reply.body as string | undefined) ?? '');
    const headers: Record<string, string> = { ...(isJson ? { 'content-type': 'application/json' } : {}) };
    for (const [k, v] of Object.entries(reply.headers ?? {})) headers[k.toLowerCase()] = v;
    if (!res.destroyed) res.writeHead(reply.status, headers).end(body);
  }

  const server = createServer((req, res) => {
    respond(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.set(s, ++accepted);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return Object.freeze({
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => accepted,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  });
}
