import { Hono } from 'hono';
import type { Registry } from 'prom-client';

/** A readiness probe result per dependency. */
export type ReadyCheck = () => Promise<Record<string, { ok: boolean; detail?: unknown }>>;

/**
 * The operations endpoints every process serves: `/healthz` (the process is alive), `/readyz`
 * (its dependencies answer; 503 with the failing check otherwise) and, given a registry,
 * `/metrics` in the Prometheus text format. Unauthenticated, like any probe; no secret in them.
 *
 * @example
 * const ops = opsRoutes({ ready: async () => ({ redis: { ok: (await redis.ping()) === 'PONG' } }) });
 * (await ops.request('/readyz')).status // 200
 */
export function opsRoutes(deps: { ready: ReadyCheck; registry?: Pick<Registry, 'metrics' | 'contentType'> }) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = await deps.ready().catch((err: Error) => ({ ready: { ok: false, detail: err.message } }));
    const ok = Object.values(checks).every((x) => x.ok);
    return c.json({ status: ok ? 'ready' : 'not_ready', checks }, ok ? 200 : 503);
  });
  const registry = deps.registry;
  if (registry) {
    app.get('/metrics', async (c) =>
      c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
    );
  }
  return app;
}
