import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Registry } from 'prom-client';
import { json, TAGS } from './openapi.ts';

/** A readiness probe result per dependency. */
export type ReadyCheck = () => Promise<Record<string, { ok: boolean; detail?: unknown }>>;

const checks = z
  .record(z.string(), z.object({ ok: z.boolean(), detail: z.unknown().optional() }))
  .openapi({ example: { redis: { ok: true }, database: { ok: true } } });
const readiness = z.object({ status: z.enum(['ready', 'not_ready']), checks }).openapi('Readiness');

const common = { tags: [TAGS.operations], security: [] };

const healthRoute = createRoute({
  ...common,
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: the process answers',
  responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
});

const readyRoute = createRoute({
  ...common,
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: every dependency answers',
  description: 'Redis, the database and, at ingest, the aggregator lag; 503 names the failing check.',
  responses: { 200: json(readiness, 'Ready'), 503: json(readiness, 'A dependency does not answer') },
});

const metricsRoute = createRoute({
  ...common,
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics',
  responses: {
    200: {
      description: 'The Prometheus text exposition format',
      content: { 'text/plain': { schema: z.string().openapi({ example: 'push_http_requests_total 3' }) } },
    },
  },
});

/**
 * The operations endpoints every process serves: `/healthz` (the process is alive), `/readyz`
 * (its dependencies answer; 503 with the failing check otherwise) and, given a registry,
 * `/metrics` in the Prometheus text format. Unauthenticated, like any probe; no secret in them.
 *
 * @example
 * const ops = opsRoutes({ ready: async () => ({ redis: { ok: (await redis.ping()) === 'PONG' } }) });
 * (await ops.request('/readyz')).status // 200
 */
export function opsRoutes(deps: {
  ready: ReadyCheck;
  registry?: Pick<Registry, 'metrics' | 'contentType'>;
}): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyRoute, async (c) => {
    const result = await deps.ready().catch((err: Error) => ({ ready: { ok: false, detail: err.message } }));
    const ok = Object.values(result).every((x) => x.ok);
    return ok
      ? c.json({ status: 'ready' as const, checks: result }, 200)
      : c.json({ status: 'not_ready' as const, checks: result }, 503);
  });
  const registry = deps.registry;
  if (registry) {
    app.openapi(metricsRoute, async (c) =>
      c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
    );
  }
  return app;
}
