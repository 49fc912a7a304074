import type { Hono } from 'hono';
import { createApp } from '../../pkg/api/app.ts';
import { authThrottle } from '../../pkg/api/auth-throttle.ts';
import { listen } from '../../pkg/api/listen.ts';
import { dependencyChecks } from '../../pkg/api/ops-server.ts';
import { sandboxRoutes } from '../../pkg/api/sandbox-routes.ts';
import { encodeMember, groupLag } from '../../pkg/bus/index.ts';
import { createBackpressure } from '../../pkg/ingest/backpressure.ts';
import { createIdempotency } from '../../pkg/ingest/idempotency.ts';
import { createSendService } from '../../pkg/ingest/send.ts';
import type { Core } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { createMetrics, type Exposition, type IngestMetrics } from '../../pkg/telemetry/metrics.ts';
import { subscribedTemplateCache } from '../../pkg/templates/changes.ts';
import { subscribedAppLookup } from '../../pkg/tenancy/app-keys.ts';

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
  /** Dead-letter operations, mounted at /v1/admin/dead-letters and /v1/dead-letters. */
  // biome-ignore lint/suspicious/noExplicitAny: routers carry their own env types
  deadLetters?: Hono<any>;
  /** Stream backlog, mounted at /v1/admin/streams. */
  // biome-ignore lint/suspicious/noExplicitAny: routers carry their own env types
  streams?: Hono<any>;
  /** Extra readiness details (e.g. aggregator lag). */
  readyDetails?: () => Promise<Record<string, { ok: boolean; detail?: unknown }>>;
  appRate?: Parameters<typeof createSendService>[0]['appRate'];
  /** Recalls sent messages at their provider (pkg/channels/operations.ts). */
  recallAtProvider?: Parameters<typeof createSendService>[0]['recallAtProvider'];
  /** Whether an account's provider recalls whole calls (pkg/ingest/recall.ts). */
  recallsPerCall?: Parameters<typeof createSendService>[0]['recallsPerCall'];
  /** Its metrics (default: a registry of its own with the Node process metrics). */
  metrics?: IngestMetrics;
  /** What `/metrics` serves (the all-in-one process: every part's registry). */
  exposition?: Exposition;
}>;

/**
 * Builds the ingest app on a core (send API + sandbox + health + metrics + given routers).
 *
 * @example const { app } = buildIngest(core, {}); await app.request('/healthz');
 */
export function buildIngest(core: Core, extra: ExtraRouters = {}) {
  const { cache, closer } = subscribedTemplateCache({
    load: (id) => core.repos.templates.getActive(id),
    target: core.config,
    keys: core.keys,
    log: core.log,
  });
  const apps = subscribedAppLookup({
    hash: core.repos.apps.keyHashes,
    load: (hashes) => core.repos.apps.findByKeyHashes(hashes),
    target: core.config,
    keys: core.keys,
    log: core.log,
  });
  const metrics = extra.metrics ?? createMetrics({ process: 'ingest' });
  // A delivery counts as accepted once its record is written (push_deliveries_accepted_total).
  const ledger: typeof core.ledger = Object.freeze({
    ...core.ledger,
    accept: async (...args: Parameters<typeof core.ledger.accept>) => {
      const r = await core.ledger.accept(...args);
      metrics.accepted.inc({ route: `${args[0].channel}.${args[0].messageType}` });
      return r;
    },
  });
  const send = createSendService({
    redis: core.redis,
    keys: core.keys,
    ledger,
    templates: cache,
    idempotency: createIdempotency({ redis: core.redis, keys: core.keys }),
    backpressure: createBackpressure({
      lagOf: (route) => groupLag(core.redis, core.keys.stream(route), 'handlers'),
      highWater: core.config.backpressureHighWater,
    }),
    encodeDelayed: encodeMember,
    limits: {
      sendAtMaxAheadMs: core.config.sendAtMaxDays * 86_400_000,
      fanoutMaxBytes: core.config.sendMaxFanoutBytes,
    },
    defaultAppRate: core.config.appDefaultRate,
    parkedMaxBytes: core.config.appParkedMaxBytes,
    ...(extra.appRate ? { appRate: extra.appRate } : {}),
    ...(extra.recallAtProvider ? { recallAtProvider: extra.recallAtProvider } : {}),
    ...(extra.recallsPerCall ? { recallsPerCall: extra.recallsPerCall } : {}),
  });
  // Mounted one by one so OpenAPI routers keep their descriptions in /openapi.json.
  const data = [sandboxRoutes({ redis: core.redis, keys: core.keys }), ...(extra.data ?? [])];
  const app = createApp({
    log: core.log,
    metrics,
    ...(extra.exposition ? { exposition: extra.exposition } : {}),
    accessLog: core.config.accessLog,
    adminToken: core.config.adminToken,
    lookupApp: apps.lookup,
    ready: async () => {
      const checks = await dependencyChecks({ redis: core.redis, db: core.db })();
      if (extra.readyDetails) Object.assign(checks, await extra.readyDetails().catch(() => ({})));
      return checks;
    },
    send,
    ...(extra.admin ? { admin: extra.admin } : {}),
    ...(extra.config ? { config: extra.config } : {}),
    ...(extra.deadLetters ? { deadLetters: extra.deadLetters } : {}),
    ...(extra.streams ? { streams: extra.streams } : {}),
    data,
    ...(extra.pages ? { pages: extra.pages } : {}),
    authThrottle: authThrottle({
      redis: core.redis,
      keys: core.keys,
      log: core.log,
      settings: core.config.authThrottle,
    }),
  });
  return { app, send, templates: cache, metrics, closers: [closer, apps.closer] as Closer[] };
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
