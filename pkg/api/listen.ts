import { serve } from '@hono/node-server';
import type { Closer } from '../process/shutdown.ts';

/**
 * Serves a fetch handler on `port` (0 picks a free one) and resolves once listening, with the
 * bound port and the closer that stops accepting and waits for open requests.
 *
 * @example const http = await listen(app.fetch, { port: 3000, host: '0.0.0.0', name: 'http' });
 */
export async function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  opts: { port: number; host: string; name: string },
): Promise<{ port: number; closer: Closer }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch, port: opts.port, hostname: opts.host }, () => resolve(s));
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    closer: { name: opts.name, close: () => new Promise<void>((res) => server.close(() => res())) },
  };
}
