import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import type { Closer } from '../process/shutdown.ts';
import { errorBody } from './errors.ts';

/** A fetch handler as Hono's `app.fetch` is one (the Node bindings as its env). */
export type FetchHandler = (req: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/**
 * Serves a fetch handler on `port` (0 picks a free one) and resolves once listening, with the
 * bound port and the closer that stops accepting and waits for open requests.
 *
 * The edge keeps two promises to every client: every error answer is the JSON error shape (also
 * the ones Node's parser or the adapter give before the app runs), and `Connection: keep-alive`
 * is only said when the connection is really kept. An answer ready before the request body was
 * read (a 413 on the declared length) says `Connection: close` unless the body is small and
 * arrives within 300 ms (then it is discarded and the connection kept): the adapter drains an
 * unread body for at most 500 ms / 64 MiB and then destroys the socket, which a keep-alive
 * client would meet as ECONNRESET on its next request.
 *
 * @example const http = await listen(app.fetch, { port: 3000, host: '0.0.0.0', name: 'http' });
 */
export async function listen(
  fetch: FetchHandler,
  opts: { port: number; host: string; name: string },
): Promise<{ port: number; closer: Closer }> {
  const listener = getRequestListener(
    async (req: Request, env: HttpBindings | Http2Bindings) =>
      closeIfUnread(await fetch(req, env), env.incoming),
    { hostname: opts.host, errorHandler: adapterError },
  );
  const server = createServer(listener);
  server.on('clientError', parserError);
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    closer: { name: opts.name, close: () => new Promise<void>((res) => server.close(() => res())) },
  };
}

/** A body this small that the app did not read is waited for, so the connection can stay open. */
const SMALL_BODY = 64 * 1024;
const SMALL_BODY_WAIT_MS = 300;

/** Resolves true once `incoming` has ended (its rest read and discarded), false after `ms`. */
function discardRest(incoming: IncomingMessage, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ended: boolean) => {
      clearTimeout(timer);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      resolve(ended);
    };
    const onEnd = () => done(true);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.resume();
  });
}

/**
 * The answer, sent on a connection that stays open only when the request has fully arrived: a
 * small unread body (a DELETE or GET with a body the route ignores) is read and discarded first;
 * otherwise the answer says `Connection: close`.
 */
async function closeIfUnread(res: Response, incoming: HttpBindings['incoming'] | Http2Bindings['incoming']) {
  if (incoming.complete) return res;
  const declared = Number(incoming.headers['content-length']);
  if (
    'socket' in incoming &&
    !('stream' in incoming) &&
    Number.isFinite(declared) &&
    declared <= SMALL_BODY &&
    (await discardRest(incoming as IncomingMessage, SMALL_BODY_WAIT_MS))
  ) {
    return res;
  }
  try {
    // In place keeps the adapter's fast path (a known length, no chunking).
    res.headers.set('connection', 'close');
    return res;
  } catch {
    // Immutable headers (Response.redirect, Response.error): a copy.
  }
  const headers = new Headers(res.headers);
  headers.set('connection', 'close');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

const jsonError = (status: number, code: string, message: string): Response =>
  new Response(JSON.stringify(errorBody(code, message)), {
    status,
    headers: { 'content-type': 'application/json', connection: 'close' },
  });

/**
 * The adapter's errors: a request it cannot turn into a `Request` (a backslash in the path, a
 * request-target such as `*`, no Host) is the client's fault, 400; a handler that threw past
 * `app.onError` (it should not) is a generic 500 with no internals.
 */
function adapterError(err: unknown): Response {
  if (err instanceof Error && err.name === 'RequestError') {
    return jsonError(400, 'BAD_REQUEST', 'malformed request target or headers');
  }
  return jsonError(500, 'INTERNAL', 'internal error');
}

/** Node's answer to a request its parser refused, in the JSON error shape (instead of an empty 400). */
function parserError(err: Error & { code?: string }, socket: Socket): void {
  // A response already under way on this socket cannot be followed by a raw one.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'request headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'request not received in time']
        : [400, 'BAD_REQUEST', 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(code, message));
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[
    status
  ];
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
