import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type StreamSnapshot, snapshotOnce } from './stream-metrics.ts';

/** The process kinds that keep a registry (DESIGN.md "Processes"); `all` holds one of each. */
export type ProcessKind = 'ingest' | 'handler' | 'aggregator' | 'scheduler';

type Registers = Registry[];

const LATENCY = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const CALL_LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// One builder per kind: a series lives in the registry of the kind that records it, so each
// process's /metrics shows only what it moves, and the all-in-one merge never sees a name twice.
// Labels stay low-cardinality: routes, providers, codes, states; never receivers, ids or keys.
const ingest = (registers: Registers) => ({
  httpRequests: new Counter({
    name: 'push_http_requests_total',
    help: 'HTTP requests by route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers,
  }),
  httpDuration: new Histogram({
    name: 'push_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern',
    labelNames: ['method', 'route'],
    buckets: LATENCY,
    registers,
  }),
  accepted: new Counter({
    name: 'push_deliveries_accepted_total',
    help: 'Deliveries accepted at ingest (written to Redis), by route',
    labelNames: ['route'],
    registers,
  }),
});

const handler = (registers: Registers) => ({
  deliveries: new Counter({
    name: 'push_deliveries_total',
    help: 'Lifecycle states recorded by handlers, by route, provider ("" when none) and state',
    labelNames: ['route', 'provider', 'state'],
    registers,
  }),
  handled: new Counter({
    name: 'push_deliveries_handled_total',
    help: 'Delivery entries settled by handlers, by outcome (ack, delay, dead)',
    labelNames: ['route', 'outcome'],
    registers,
  }),
  handlerDuration: new Histogram({
    name: 'push_handler_duration_seconds',
    help: 'Time a handler spent on one delivery entry (filters, provider call, records)',
    labelNames: ['route'],
    buckets: CALL_LATENCY,
    registers,
  }),
  retries: new Counter({
    name: 'push_delivery_retries_total',
    help: 'Deliveries scheduled for another attempt after a retryable failure',
    labelNames: ['route'],
    registers,
  }),
  inFlight: new Gauge({
    name: 'push_handler_in_flight',
    help: 'Deliveries being worked on by this handler',
    registers,
  }),
  providerLatency: new Histogram({
    name: 'push_provider_call_duration_seconds',
    help: 'Provider calls (single and batch, the sandbox included) by outcome: ok, retryable, permanent, in_doubt',
    labelNames: ['channel', 'provider', 'outcome'],
    buckets: CALL_LATENCY,
    registers,
  }),
  providerErrors: new Counter({
    name: 'push_provider_errors_total',
    help: 'Failed provider results (one per delivery of a call) by the code the provider kit assigned',
    labelNames: ['provider', 'code'],
    registers,
  }),
  breakerState: new Gauge({
    name: 'push_provider_breaker_state',
    help: 'Circuit breaker of a provider account (and target): 0 closed, 1 half-open, 2 open',
    labelNames: ['breaker'],
    registers,
  }),
  failovers: new Counter({
    name: 'push_provider_failovers_total',
    help: "Deliveries handed to the route's next account within their attempt, by providers and code",
    labelNames: ['from', 'to', 'code'],
    registers,
  }),
  tokenRefreshes: new Counter({
    name: 'push_provider_token_refreshes_total',
    help: 'Access-token fetches this process made for the fleet, by provider and outcome (ok, error)',
    labelNames: ['provider', 'outcome'],
    registers,
  }),
});

// The aggregator's series (push_aggregator_*) read its own state, so startAggregator registers
// them on this registry (pkg/stats/aggregator.ts).
const aggregator = (_registers: Registers) => ({});

const scheduler = (registers: Registers, streams?: () => Promise<StreamSnapshot | undefined>) => {
  // The three stream gauges read one snapshot per scrape (Redis XINFO GROUPS and XLEN).
  const snapshot = streams ? snapshotOnce(streams) : async () => undefined;
  return {
    runs: new Counter({
      name: 'push_scheduler_runs_total',
      help: 'Scheduler firings by kind (crowd: a cron template run step; receipts: an SMS receipt pull) and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    streamLag: new Gauge({
      name: 'push_stream_lag',
      help: 'Entries of a stream its consumer group has not been delivered yet (XINFO GROUPS lag)',
      labelNames: ['stream', 'group'],
      registers,
      async collect() {
        this.reset();
        for (const g of (await snapshot())?.groups ?? [])
          this.set({ stream: g.stream, group: g.group }, g.lag);
      },
    }),
    streamPending: new Gauge({
      name: 'push_stream_pending',
      help: 'Entries of a stream delivered to its consumer group and not acknowledged yet',
      labelNames: ['stream', 'group'],
      registers,
      async collect() {
        this.reset();
        for (const g of (await snapshot())?.groups ?? [])
          this.set({ stream: g.stream, group: g.group }, g.pending);
      },
    }),
    deadLetters: new Gauge({
      name: 'push_dead_letters',
      help: 'Entries in a dead-letter stream (XLEN)',
      labelNames: ['stream'],
      registers,
      async collect() {
        this.reset();
        for (const d of (await snapshot())?.deadLetters ?? []) this.set({ stream: d.stream }, d.length);
      },
    }),
  };
};

const BUILDERS = { ingest, handler, aggregator, scheduler } as const;

/** The metrics object of one process kind: its registry and the series that kind records. */
export type MetricsOf<K extends ProcessKind> = Readonly<{ registry: Registry; process: K }> &
  Readonly<ReturnType<(typeof BUILDERS)[K]>>;
/** The metrics of each kind, e.g. `HandlerMetrics['retries']`. @example const m: IngestMetrics = createMetrics({ process: 'ingest' }); */
export type IngestMetrics = MetricsOf<'ingest'>;
export type HandlerMetrics = MetricsOf<'handler'>;
export type AggregatorMetrics = MetricsOf<'aggregator'>;
export type SchedulerMetrics = MetricsOf<'scheduler'>;

/**
 * The Prometheus metrics of one process, in a registry it owns (no global default registry, so
 * tests and the all-in-one process hold several), every series labelled `process="<kind>"`.
 * `defaults` (on unless false) adds Node's process metrics: in the all-in-one process only one
 * registry should. `streams` (scheduler only) is read on scrape for the stream gauges; it
 * answers `undefined` where another process reports them (a scheduler that does not lead).
 *
 * @example const m = createMetrics({ process: 'ingest' }); m.accepted.inc({ route: 'email.notice' }, 10);
 */
export function createMetrics<K extends ProcessKind>(opts: {
  process: K;
  defaults?: boolean;
  streams?: () => Promise<StreamSnapshot | undefined>;
}): MetricsOf<K> {
  const registry = new Registry();
  registry.setDefaultLabels({ process: opts.process });
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  const series =
    opts.process === 'scheduler' ? scheduler([registry], opts.streams) : BUILDERS[opts.process]([registry]);
  return Object.freeze({ registry, process: opts.process, ...series }) as unknown as MetricsOf<K>;
}

/** What `/metrics` serves: a registry, or several served as one ({@link mergeMetrics}). @example const e: Exposition = metrics.registry; */
export type Exposition = Pick<Registry, 'metrics' | 'contentType'>;

/**
 * The registries of several process kinds served as one (the all-in-one process's `/metrics`),
 * each series keeping its own `process` label. Their texts are concatenated: kinds record
 * disjoint series, so no name appears twice (checked on each scrape; only one registry should
 * carry the default Node metrics). Not prom-client's `Registry.merge`: the merged registry
 * drops each registry's default labels, so every series would lose its `process`. `parts` is
 * read on each scrape, so parts started later (the aggregator registers its own series) count.
 *
 * @example const merged = mergeMetrics(() => [ingest.metrics, handler.metrics]); await merged.metrics();
 */
export function mergeMetrics(parts: () => readonly { registry: Registry }[]): Exposition {
  return {
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    async metrics() {
      const all = parts();
      const names = all.flatMap((m) => m.registry.getMetricsAsArray().map((x) => x.name));
      const twice = names.find((n, i) => names.indexOf(n) !== i);
      if (twice) throw new Error(`metric ${twice} is in two of the merged registries`);
      return (await Promise.all(all.map((m) => m.registry.metrics()))).join('\n');
    },
  } as Exposition;
}
