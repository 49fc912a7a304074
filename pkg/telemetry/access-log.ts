import type { MiddlewareHandler } from 'hono';
import type { Logger } from './logger.ts';
import type { IngestMetrics } from './metrics.ts';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/** What the auth middleware leaves on the context (pkg/api/auth.ts), read structurally. */
type Caller = { kind?: string; appId?: number } | undefined;

/**
 * Observes every HTTP request of an app: `push_http_requests_total` and
 * `push_http_request_duration_seconds` by route pattern (never the raw path, which may carry a
 * receiver), and, when `accessLog` is on, one log line per request: method, route pattern,
 * status, duration in ms, the app id when an app key authenticated it, and the request id
 * (`c.var.requestId`, from hono's requestId middleware); probes (`/healthz`, `/readyz`,
 * `/metrics`) at debug level. No body, query, header or receiver.
 *
 * @example app.use('*', requestId(), observeRequests({ log, metrics, accessLog: config.accessLog }));
 */
export function observeRequests(opts: {
  log: Logger;
  metrics?: Pick<IngestMetrics, 'httpRequests' | 'httpDuration'>;
  accessLog: boolean;
}): MiddlewareHandler {
  const { metrics: m, log } = opts;
  return async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - start) / 1000;
      const route = c.req.routePath || 'unmatched';
      const method = c.req.method;
      const status = c.res.status;
      m?.httpDuration.observe({ method, route }, seconds);
      m?.httpRequests.inc({ method, route, status: String(status) });
      if (opts.accessLog) {
        const caller = c.get('caller' as never) as Caller;
        const line = {
          method,
          route,
          status,
          ms: Math.round(seconds * 10_000) / 10,
          ...(caller?.kind === 'app' && caller.appId !== undefined ? { appId: caller.appId } : {}),
          ...(caller?.kind === 'admin' ? { admin: true } : {}),
          reqId: c.get('requestId' as never) as string | undefined,
        };
        // Probes come every few seconds from orchestrators and Prometheus: debug, not info.
        if (status >= 500) log.warn(line, 'http request');
        else if (PROBES.has(route)) log.debug(line, 'http request');
        else log.info(line, 'http request');
      }
    }
  };
}
