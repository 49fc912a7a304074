import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The platform's Prometheus metrics, in a registry owned by the process (no global default
 * registry, so tests and the all-in-one process can hold several).
 *
 * @example const m = createMetrics({ process: 'ingest' }); m.accepted.inc({ route: 'email.notice' }, 10);
 */
export function createMetrics(opts: { process: string; defaults?: boolean }) {
  const registry = new Registry();
  registry.setDefaultLabels({ process: opts.process });
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  const r = [registry];
  return Object.freeze({
    registry,
    httpRequests: new Counter({
      name: 'push_http_requests_total',
      help: 'HTTP requests by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: r,
    }),
    httpDuration: new Histogram({
      name: 'push_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
    accepted: new Counter({
      name: 'push_deliveries_accepted_total',
      help: 'Deliveries accepted at ingest',
      labelNames: ['route'],
      registers: r,
    }),
    handled: new Counter({
      name: 'push_deliveries_handled_total',
      help: 'Delivery entries settled by handlers, by outcome',
      labelNames: ['route', 'outcome'],
      registers: r,
    }),
    providerLatency: new Histogram({
      name: 'push_provider_call_duration_seconds',
      help: 'Provider call latency by channel and result',
      labelNames: ['channel', 'ok'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    streamLag: new Gauge({
      name: 'push_stream_lag',
      help: 'Entries of a stream not yet read or acknowledged by its consumer group',
      labelNames: ['stream'],
      registers: r,
    }),
    breakerState: new Gauge({
      name: 'push_provider_breaker_state',
      help: 'Circuit breaker of a provider account (and target): 0 closed, 1 half-open, 2 open',
      labelNames: ['breaker'],
      registers: r,
    }),
    failovers: new Counter({
      name: 'push_provider_failovers_total',
      help: "Deliveries handed to the route's next account within their attempt, by providers and code",
      labelNames: ['from', 'to', 'code'],
      registers: r,
    }),
    inFlight: new Gauge({
      name: 'push_handler_in_flight',
      help: 'Deliveries being worked on by this handler',
      registers: r,
    }),
  });
}

export type Metrics = ReturnType<typeof createMetrics>;
