import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { AppError } from '../domain/errors.ts';
import type { SendService } from '../ingest/send.ts';
import { observeRequests } from '../telemetry/access-log.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Exposition, IngestMetrics } from '../telemetry/metrics.ts';
import { testSendRoutes } from './admin/test-send.ts';
import { type AppLookup, type AuthEnv, auth } from './auth.ts';
import { scrubInternalError } from './error-scrub.ts';
import { errorBody, errorHandler, notFoundHandler } from './errors.ts';
import { TAG_LIST } from './openapi.ts';
import { opsRoutes, type ReadyCheck } from './ops.ts';
import { referenceRoutes } from './reference/routes.ts';
import { sendRoutes } from './send-routes.ts';

export type { ReadyCheck } from './ops.ts';

/** Paths behind an auth middleware below (admin token or app key). */
const AUTHENTICATED =
  /^\/v1\/(admin|send|recall|messages|receivers|templates|events|sandbox|dead-letters)(\/|$)/;

/**
 * The ingest HTTP app: send API, admin API, data API, console, health and metrics, composed from
 * router factories. Every error becomes the one JSON shape in `app.onError`.
 *
 * @example
 * const app = createApp({ log, metrics, adminToken, lookupApp, ready, send });
 * const res = await app.request('/healthz');
 */
// biome-ignore lint/suspicious/noExplicitAny: sub-routers carry their own env types
type AnyHono = Hono<any>;
export function createApp(deps: {
  log: Logger;
  metrics?: IngestMetrics;
  /** What `/metrics` serves (default: `metrics.registry`; the all-in-one process: every part's). */
  exposition?: Exposition;
  /** One log line per request (method, route pattern, status, ms, app id, request id); default on. */
  accessLog?: boolean;
  adminToken: string;
  lookupApp: AppLookup;
  ready: ReadyCheck;
  send?: SendService;
  /** Mounted at /v1/admin (after the admin auth). */
  admin?: AnyHono;
  /** Mounted at /v1/admin/config. */
  config?: AnyHono;
  /**
   * Data API routers (paths under /v1), behind app-or-admin auth. Pass OpenAPIHono routers as a
   * list: each is mounted on its own so its routes reach /openapi.json (a router merged into a
   * plain Hono first loses its OpenAPI descriptions).
   */
  data?: AnyHono | AnyHono[];
  /**
   * Dead-letter operations (pkg/api/dead-letter-routes.ts), mounted at /v1/admin/dead-letters
   * (admin token) and /v1/dead-letters (app keys, each app its own; and the admin token).
   */
  deadLetters?: AnyHono;
  /** Stream backlog (pkg/api/streams-routes.ts), mounted at /v1/admin/streams. */
  streams?: AnyHono;
  /** Unauthenticated pages (console) mounted at /. */
  pages?: AnyHono;
  /**
   * Failed-authentication throttle (pkg/api/auth-throttle.ts `authThrottle`), run on every
   * authenticated route before its auth.
   */
  authThrottle?: MiddlewareHandler;
  maxBodyBytes?: number;
}) {
  const app = new OpenAPIHono<AuthEnv>();
  const maxBody = deps.maxBodyBytes ?? 4 * 1024 * 1024;
  // Unexpected errors are scrubbed of SQL and quoted values before errorHandler logs them.
  const handleError = errorHandler(deps.log);
  app.onError((err, c) => handleError(scrubInternalError(err), c));
  app.notFound(notFoundHandler);

  // Request id (X-Request-Id, taken from the caller when well-formed), metrics and access log.
  app.use(
    '*',
    requestId(),
    observeRequests({
      log: deps.log,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      accessLog: deps.accessLog ?? true,
    }),
  );
  const exposition = deps.exposition ?? deps.metrics?.registry;
  app.route('/', opsRoutes({ ready: deps.ready, ...(exposition ? { registry: exposition } : {}) }));

  if (deps.authThrottle) {
    // One mount with a path test, not one per pattern: overlapping patterns ('/v1/admin' and
    // '/v1/admin/*') would run it twice and count each failure twice.
    const throttle = deps.authThrottle;
    app.use('/v1/*', (c, next) => (AUTHENTICATED.test(c.req.path) ? throttle(c, next) : next()));
  }

  const limit = bodyLimit({
    maxSize: maxBody,
    onError: (c) => c.json(errorBody('PAYLOAD_TOO_LARGE', `body larger than ${maxBody} bytes`), 413),
  });
  const readAuth = auth({ adminToken: deps.adminToken, lookupApp: deps.lookupApp, mode: 'app-or-admin' });
  const adminAuth = auth({ adminToken: deps.adminToken });

  // The crowd upload streams under its own limit (CROWD_MAX_BYTES, pkg/api/admin/crowd.ts):
  // the JSON limit would refuse it past 4 MiB and buffer a chunked one whole.
  const crowdUpload = /^\/v1\/admin\/templates\/[^/]+\/crowd\/?$/;
  app.use(
    '/v1/admin/*',
    (c, next) => (c.req.method === 'POST' && crowdUpload.test(c.req.path) ? next() : limit(c, next)),
    adminAuth,
  );
  app.use('/v1/admin', adminAuth);
  if (deps.config) app.route('/v1/admin/config', deps.config);
  if (deps.deadLetters) app.route('/v1/admin/dead-letters', deps.deadLetters);
  if (deps.streams) app.route('/v1/admin/streams', deps.streams);
  if (deps.admin) app.route('/v1/admin', deps.admin);

  if (deps.send) {
    // The admin token is let through here so the route can answer 403 "needs an app key"
    // (a valid credential of the wrong kind) instead of a misleading 401.
    app.use('/v1/send', limit, readAuth);
    app.use('/v1/recall', limit, readAuth);
    app.route('/', sendRoutes({ service: deps.send }));
    app.route('/v1/admin/templates', testSendRoutes({ service: deps.send, log: deps.log }));
  } else {
    app.post('/v1/send', () => {
      throw new AppError('NOT_IMPLEMENTED', 501, 'the send path is not enabled in this process');
    });
  }

  for (const p of [
    '/v1/messages',
    '/v1/messages/*',
    '/v1/receivers/*',
    '/v1/templates/*',
    '/v1/events/*',
    '/v1/sandbox/*',
  ]) {
    app.use(p, readAuth);
  }
  if (deps.deadLetters) {
    // '/*' also covers '/v1/dead-letters' itself in Hono 4.
    app.use('/v1/dead-letters/*', limit, readAuth);
    app.route('/v1/dead-letters', deps.deadLetters);
  }
  for (const d of [deps.data ?? []].flat()) app.route('/', d);
  if (deps.pages) app.route('/', deps.pages);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  // The API reference page (public, like the document it renders).
  app.route('/', referenceRoutes());
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    tags: TAG_LIST,
    info: {
      title: 'pushline API',
      version: '1.0.0',
      description:
        'Send notices, marketing messages and verification codes over every channel; trace each message.',
    },
  });
  return app;
}
