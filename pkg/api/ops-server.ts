import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { isDatabaseUnavailable } from '../domain/database-unavailable.ts';
import type { Closer } from '../process/shutdown.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Db } from '../store/db.ts';
import type { Logger } from '../telemetry/logger.ts';
import { listen } from './listen.ts';
import { opsRoutes, type ReadyCheck } from './ops.ts';

/**
 * Serves `/healthz`, `/readyz` and `/metrics` for a process without an API (handler,
 * aggregator, scheduler) on `port`, so orchestrators can probe it and Prometheus can scrape
 * it. No port (OPS_PORT unset) serves nothing: several processes on one host need not collide.
 * Resolves once listening, with the bound port (port 0 picks a free one).
 *
 * @example
 * const ops = await startOpsServer({ port: 9100, host: '0.0.0.0', log, registry, ready: dependencyChecks({ redis, db }) });
 * // on shutdown: for (const c of ops.closers) await c.close();
 */
export async function startOpsServer(opts: {
  port: number | undefined;
  host: string;
  log: Logger;
  ready: ReadyCheck;
  registry?: Registry;
}): Promise<{ port: number | undefined; closers: Closer[] }> {
  if (opts.port === undefined) return { port: undefined, closers: [] };
  const app = opsRoutes({ ready: opts.ready, ...(opts.registry ? { registry: opts.registry } : {}) });
  const http = await listen(app.fetch, { port: opts.port, host: opts.host, name: 'ops-http' });
  opts.log.info({ port: http.port }, 'ops endpoints listening (/healthz, /readyz, /metrics)');
  return { port: http.port, closers: [http.closer] };
}

/**
 * Readiness of the shared dependencies: Redis answers PING, and the database `select 1` when given.
 *
 * @example const ready = dependencyChecks({ redis, db }); await ready() // { redis: { ok: true }, database: { ok: true } }
 */
export function dependencyChecks(deps: { redis: Pick<Redis, 'ping'>; db?: Db }): ReadyCheck {
  return async () => {
    const [r, d] = await Promise.allSettled([
      deps.redis.ping(),
      deps.db ? sql`select 1`.execute(deps.db) : Promise.resolve(undefined),
    ]);
    // `/readyz` needs no credential: it says what is down, never the driver's message (hosts,
    // ports, SQL); the processes log those.
    const checks: Record<string, { ok: boolean; detail?: unknown }> = {
      redis: r.status === 'fulfilled' ? { ok: true } : { ok: false, detail: 'unreachable' },
    };
    if (deps.db)
      checks.database =
        d.status === 'fulfilled'
          ? { ok: true }
          : { ok: false, detail: isDatabaseUnavailable(d.reason) ? 'unreachable' : 'query failed' };
    return checks;
  };
}
