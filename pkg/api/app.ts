import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../domain/errors.ts';
import type { SendService } from '../ingest/send.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { type AppLookup, type AuthEnv, auth } from './auth.ts';
import { errorBody, errorHandler, notFoundHandler } from './errors.ts';
import { opsRoutes, type ReadyCheck } from './ops.ts';
import { sendRoutes } from './send-routes.ts';

export type { ReadyCheck } from './ops.ts';

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
  metrics?: Metrics;
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
  /** Unauthenticated pages (console) mounted at /. */
  pages?: AnyHono;
  maxBodyBytes?: number;
}) {
  const app = new OpenAPIHono<AuthEnv>();
  const maxBody = deps.maxBodyBytes ?? 4 * 1024 * 1024;
  app.onError(errorHandler(deps.log));
  app.notFound(notFoundHandler);

  if (deps.metrics) {
    const m = deps.metrics;
    app.use('*', async (c, next) => {
      const end = m.httpDuration.startTimer();
      await next();
      const route = c.req.routePath || 'unmatched';
      end({ method: c.req.method, route });
      m.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    });
  }
  app.route(
    '/',
    opsRoutes({ ready: deps.ready, ...(deps.metrics ? { registry: deps.metrics.registry } : {}) }),
  );

  const limit = bodyLimit({
    maxSize: maxBody,
    onError: (c) => c.json(errorBody('PAYLOAD_TOO_LARGE', `body larger than ${maxBody} bytes`), 413),
  });
  const readAuth = auth({ adminToken: deps.adminToken, lookupApp: deps.lookupApp, mode: 'app-or-admin' });
  const adminAuth = auth({ adminToken: deps.adminToken });

  app.use('/v1/admin/*', limit, adminAuth);
  app.use('/v1/admin', adminAuth);
  if (deps.config) app.route('/v1/admin/config', deps.config);
  if (deps.admin) app.route('/v1/admin', deps.admin);

  if (deps.send) {
    // The admin token is let through here so the route can answer 403 "needs an app key"
    // (a valid credential of the wrong kind) instead of a misleading 401.
    app.use('/v1/send', limit, readAuth);
    app.use('/v1/recall', limit, readAuth);
    app.route('/', sendRoutes({ service: deps.send }));
  } else {
    app.post('/v1/send', () => {
      throw new AppError('NOT_IMPLEMENTED', 501, 'the send path is not enabled in this process');
    });
  }

  for (const p of ['/v1/messages/*', '/v1/receivers/*', '/v1/templates/*', '/v1/events/*', '/v1/sandbox/*']) {
    app.use(p, readAuth);
  }
  for (const d of [deps.data ?? []].flat()) app.route('/', d);
  if (deps.pages) app.route('/', deps.pages);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'pushline API',
      version: '1.0.0',
      description:
        'Send notices, marketing messages and verification codes over every channel; trace each message.',
    },
  });
  return app;
}
