import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** What the proxy does with connections: forward them, refuse them, or accept and never answer. */
export type ProxyMode = 'open' | 'refused' | 'blackhole';

export type TcpProxy = Readonly<{
  /** The local port clients connect to (the same across stop and resume). */
  port: number;
  mode(): ProxyMode;
  /** Connections accepted so far (for tests that check a client reconnected). */
  accepted(): number;
  /** Refuses: every open connection is cut and the port stops listening (clients get ECONNREFUSED). */
  stop(): Promise<void>;
  /**
   * Accepts and hangs: open connections are cut; new ones are accepted but never reach the target
   * and never get a byte (clients wait for their own timeouts).
   */
  blackhole(): Promise<void>;
  /** Forwards again, on the same port. */
  resume(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}>;

/**
 * A TCP proxy for fault tests, put between the platform and a dependency (MariaDB, Redis): the
 * platform is given the proxy's port, and the test cuts the dependency off and brings it back
 * without touching the real server.
 *
 * @example
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 3306 });
 * const url = viaProxy(t.url, proxy.port); // DATABASE_URL of the platform under test
 * await proxy.stop(); … await proxy.resume(); await proxy.close();
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'open';
  let accepted = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // A cut connection's errors are the point of the test, not a crash of it.
    s.on('error', () => s.destroy());
  };
  const cutAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };

  const server: Server = createServer((client) => {
    accepted++;
    track(client);
    if (mode !== 'open') return; // blackhole: held open, never answered
    const upstream = createConnection(target);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const unlisten = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  await listen(0);
  const port = (server.address() as { port: number }).port;
  return Object.freeze({
    port,
    mode: () => mode,
    accepted: () => accepted,
    async stop() {
      mode = 'refused';
      const closed = unlisten();
      cutAll();
      await closed;
    },
    async blackhole() {
      mode = 'blackhole';
      cutAll();
      if (!server.listening) await listen(port);
    },
    async resume() {
      if (mode === 'blackhole') cutAll();
      mode = 'open';
      if (!server.listening) await listen(port);
    },
    async close() {
      mode = 'refused';
      const closed = unlisten();
      cutAll();
      await closed;
    },
  });
}

/**
 * The same database or Redis URL pointed at a proxy on 127.0.0.1:`port` (user, password, path
 * and query kept).
 *
 * @example viaProxy('mysql://root@127.0.0.1:3306/t_ab12', 40123) // 'mysql://root@127.0.0.1:40123/t_ab12'
 */
export function viaProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

/**
 * Host and port a URL names (the proxy's target), with the scheme's usual port when it names none.
 *
 * @example targetOf('mysql://root@127.0.0.1/t_ab12') // { host: '127.0.0.1', port: 3306 }
 */
export function targetOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  const defaults: Record<string, number> = { 'mysql:': 3306, 'redis:': 6379 };
  return { host: u.hostname || '127.0.0.1', port: Number(u.port) || (defaults[u.protocol] ?? 0) };
}
