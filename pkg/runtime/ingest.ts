import type { Hono } from 'hono';
import { createApp } from '../api/app.ts';
import type { AppLookup } from '../api/auth.ts';
import { sandboxRoutes } from '../api/sandbox-routes.ts';
import { encodeMember, groupLag } from '../bus/index.ts';
import { createBackpressure } from '../ingest/backpressure.ts';
import { createIdempotency } from '../ingest/idempotency.ts';
import { createSendService } from '../ingest/send.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import type { Core } from './core.ts';
import { subscribedTemplateCache } from './core.ts';
import type { Closer } from './lifecycle.ts';
import { listen } from './listen.ts';
import { dependencyChecks } from './ops-server.ts';

/** Routers contributed by other packages (admin, config, data, console), built by the caller. */
export type ExtraRouters = Readonly<{
  // biome-ignore lint/suspicious/noExplicitAny: routers carry their own env types
  admin?: Hono<any>;
  // biome-ignore lint/suspicious/noExplicitAny: routers carry their own env types
  config?: Hono<any>;
  // biome-ignore lint/suspicious/noExplicitAny: routers carry their own env types
  data?: Hono<any>[];
  // biome-ignore lint/suspicious/noExplicitAny: routers carry their own env types
  pages?: Hono<any>;
  /** Extra readiness details (e.g. aggregator lag). */
  readyDetails?: () => Promise<Record<string, { ok: boolean; detail?: unknown }>>;
  appRate?: Parameters<typeof createSendService>[0]['appRate'];
}>;

/**
 * Builds the ingest app on a core (send API + sandbox + health + metrics + given routers).
 *
 * @example const { app } = buildIngest(core, {}); await app.request('/healthz');
 */
export function buildIngest(core: Core, extra: ExtraRouters = {}) {
  const { cache, closer } = subscribedTemplateCache(core);
  const metrics = createMetrics({ process: 'ingest' });
  const send = createSendService({
    redis: core.redis,
    keys: core.keys,
    ledger: core.ledger,
    templates: cache,
    idempotency: createIdempotency({ redis: core.redis, keys: core.keys }),
    backpressure: createBackpressure({
      lagOf: (route) => groupLag(core.redis, core.keys.stream(route), 'handlers'),
      highWater: core.config.backpressureHighWater,
    }),
    encodeDelayed: encodeMember,
    ...(extra.appRate ? { appRate: extra.appRate } : {}),
  });
  // Mounted one by one so OpenAPI routers keep their descriptions in /openapi.json.
  const data = [sandboxRoutes({ redis: core.redis, keys: core.keys }), ...(extra.data ?? [])];
  const app = createApp({
    log: core.log,
    metrics,
    adminToken: core.config.adminToken,
    lookupApp: cachedAppLookup((hash) => core.repos.apps.findByKeyHash(hash)),
    ready: async () => {
      const checks = await dependencyChecks({ redis: core.redis, db: core.db })();
      if (extra.readyDetails) Object.assign(checks, await extra.readyDetails().catch(() => ({})));
      return checks;
    },
    send,
    ...(extra.admin ? { admin: extra.admin } : {}),
    ...(extra.config ? { config: extra.config } : {}),
    data,
    ...(extra.pages ? { pages: extra.pages } : {}),
  });
  return { app, send, templates: cache, metrics, closers: [closer] as Closer[] };
}

/**
 * Serves the ingest app on `config.port`; resolves once listening, with the bound port.
 *
 * @example const ingest = await startIngest(core, routers); console.log(ingest.port);
 */
export async function startIngest(core: Core, extra: ExtraRouters = {}) {
  const built = buildIngest(core, extra);
  const http = await listen(built.app.fetch, {
    port: core.config.port,
    host: core.config.host,
    name: 'http',
  });
  core.log.info({ port: http.port }, 'ingest listening');
  return { ...built, port: http.port, closers: [...built.closers, http.closer] };
}

/**
 * Caches API-key lookups for a few seconds: every send authenticates, and a database round trip
 * per request would cap ingest far below what Redis can take. Unknown keys are cached briefly
 * too (a flood of bad keys must not reach the database); a deleted app stops working within
 * `ttlMs`.
 */
export function cachedAppLookup(lookup: AppLookup, ttlMs = 5000, max = 10_000): AppLookup {
  const cache = new Map<string, { at: number; value: ReturnType<AppLookup> }>();
  return (hash) => {
    const hit = cache.get(hash);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    if (cache.size >= max) cache.clear();
    const value = lookup(hash);
    value.catch(() => cache.delete(hash));
    cache.set(hash, { at: Date.now(), value });
    return value;
  };
}
