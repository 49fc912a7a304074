import { type ClientOptions, createHttpCore } from './http.ts';
import type { Readiness } from './types.ts';

export type PublicClient = ReturnType<typeof createPublicClient>;

/**
 * The routes that take no bearer: the probes, Prometheus metrics, the OpenAPI document, and the
 * receipt route providers push to (its per-account token is in the path; tests and tools use it
 * to play a provider).
 *
 * @example
 * const pub = createPublicClient({ baseUrl: 'http://127.0.0.1:3000' });
 * (await pub.ready()).status // 'ready'
 */
export function createPublicClient(opts: ClientOptions) {
  const http = createHttpCore(opts);
  return Object.freeze({
    /** `GET /healthz` — the process answers. */
    health: async () => (await http<{ status: 'ok' }>('GET', '/healthz')).data,
    /** `GET /readyz` — each dependency's check; a 503 is returned too, with `status: 'not_ready'`. */
    ready: async () => (await http<Readiness>('GET', '/readyz', { answerStatuses: [503] })).data,
    /** `GET /metrics` — the Prometheus text exposition format. */
    metrics: async () => (await http<string>('GET', '/metrics')).data,
    /** `GET /openapi.json` — the OpenAPI 3.1 document of the API. */
    openapi: async () =>
      (
        await http<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
          'GET',
          '/openapi.json',
        )
      ).data,
    /**
     * `POST /v1/callbacks/:channel/:provider/:accountId/:token` — a provider's receipt push, in
     * the provider's own format; answers the provider's expected ack (JSON, or text such as
     * `SUCCESS`). A bad token answers 404, a bad signature 401.
     */
    providerCallback: async (
      route: { channel: string; provider: string; accountId: number; token: string },
      body: string | object,
      o: { contentType?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
    ): Promise<unknown> => {
      const path = `/v1/callbacks/${[route.channel, route.provider, String(route.accountId), route.token]
        .map(encodeURIComponent)
        .join('/')}`;
      const raw =
        typeof body === 'string'
          ? { body, contentType: o.contentType ?? 'text/plain; charset=utf-8' }
          : { body: JSON.stringify(body), contentType: o.contentType ?? 'application/json' };
      return (await http('POST', path, { raw, ...(o.headers ? { headers: o.headers } : {}), query: o.query }))
        .data;
    },
  });
}
