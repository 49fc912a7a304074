import {
  INVALID_SPAN_CONTEXT,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const w3c = new W3CTraceContextPropagator();
const tracer = () => trace.getTracer('pushline');
const getter = {
  get: (c: { traceparent: string }, k: string) => (k === 'traceparent' ? c.traceparent : undefined),
  keys: () => ['traceparent'],
};

/**
 * Whether an SDK was started in this process. While false every helper below returns before
 * parsing a traceparent or creating a context: the send path pays one branch per span.
 */
let enabled = false;

/** What {@link startTracing} needs from the config (`config.otel`). */
export type TracingOptions = Readonly<{
  /** OTLP/HTTP base URL (`…/v1/traces` is appended); unset: tracing off, no SDK loaded. */
  endpoint: string | undefined;
  serviceName: string;
  /** Share of new traces recorded (0..1, default 1); a trace continued from a parent follows its parent's decision. */
  sampleRatio?: number;
  /** OTLP/HTTP body encoding (default `http/protobuf`, the OTLP default; smaller and cheaper to encode). */
  protocol?: 'http/protobuf' | 'http/json';
}>;

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is configured; otherwise the API stays a
 * no-op and spans cost nothing. Spans go through the SDK's BatchSpanProcessor (its standard
 * `OTEL_BSP_*` variables tune the export delay and queue) to an OTLP/HTTP exporter (protobuf or JSON).
 * Returns a shutdown function that flushes pending spans.
 *
 * @example const stop = await startTracing({ endpoint: config.otel.endpoint, serviceName: 'pushline-handler', sampleRatio: 0.1 });
 */
export async function startTracing(opts: TracingOptions): Promise<() => Promise<void>> {
  propagation.setGlobalPropagator(w3c);
  const endpoint = opts.endpoint;
  if (!endpoint) return async () => undefined;
  // The SDK and exporter (~25 MB of a process's memory) load only when tracing is switched on.
  const [{ tracing, resources }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    opts.protocol === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  const ratio = Math.min(1, Math.max(0, opts.sampleRatio ?? 1));
  // A bare tracer provider rather than NodeSDK: NodeSDK also starts an OTLP metrics exporter
  // from the environment (our metrics are scraped from /metrics) and AsyncLocalStorage, which
  // once enabled hooks every promise of the process (~45% more handler CPU per delivery
  // measured, even with 90% of traces sampled out). Parents are always passed explicitly here,
  // so the API's default context manager (no implicit "active span") is all we need.
  const resource = resources
    .defaultResource()
    .merge(
      resources.detectResources({
        detectors: [resources.envDetector, resources.hostDetector, resources.processDetector],
      }),
    )
    .merge(resources.resourceFromAttributes({ 'service.name': opts.serviceName }));
  const provider = new tracing.BasicTracerProvider({
    resource,
    // Parent-based: a delivery whose send was not sampled is not sampled in the handler either,
    // so a trace is whole or absent, never a handler half without its ingest half.
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(ratio) }),
    // Batches in the background; its standard OTEL_BSP_* variables apply (delay, queue, batch).
    spanProcessors: [
      new tracing.BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
      ),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  enabled = true;
  return async () => {
    enabled = false;
    await provider.shutdown();
  };
}

/**
 * The W3C `traceparent` of a span: empty when tracing is off. A span that was not sampled still
 * gives its traceparent (flag `00`), so the processes downstream keep the "not sampled" decision.
 *
 * @example fanOut(template, body, { now, traceparent: traceparentOf(span) })
 */
export function traceparentOf(span: Span | undefined): string {
  const sc = span?.spanContext();
  if (!enabled || !sc || !trace.isSpanContextValid(sc)) return '';
  const flags = (sc.traceFlags & 1) === 1 ? '01' : '00';
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

/**
 * The span context a W3C `traceparent` names (for links), `undefined` for '' or a malformed one.
 *
 * @example const links = deliveries.map((d) => spanContextOf(d.traceparent)).filter(Boolean)
 */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  if (!enabled || !traceparent) return undefined;
  const sc = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, { traceparent }, getter));
  return sc && trace.isSpanContextValid(sc) ? sc : undefined;
}

/** Span options beyond name and attributes. */
export type SpanOptions = Readonly<{
  kind?: SpanKind;
  /** Other traces this span works for (a batch call, an aggregator batch). */
  links?: readonly SpanContext[];
  /** Parent span context; wins over the `traceparent` argument. */
  parent?: SpanContext;
}>;

/**
 * Runs `fn` in a span named `name`, child of the W3C `traceparent` given (a delivery carries the
 * sender's trace across the stream, so one trace spans HTTP accept → provider call); without a
 * traceparent nor `opts.parent`, a new trace (there is no implicit "active span"). A throw marks
 * the span as an error.
 *
 * @example await inSpan('push.deliver', delivery.traceparent, { 'push.route': route }, () => deliver(entry));
 */
export function inSpan<T>(
  name: string,
  traceparent: string | undefined,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
  opts: SpanOptions = {},
): Promise<T> {
  if (!enabled) return fn(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  const parentContext = opts.parent ?? spanContextOf(traceparent);
  // A parent not sampled decides for its children (parent-based sampling): hand its context on
  // without asking the SDK for a span, so the unsampled majority of deliveries costs a parse.
  if (parentContext && (parentContext.traceFlags & 1) === 0) return fn(trace.wrapSpanContext(parentContext));
  const parent = parentContext ? trace.setSpanContext(ROOT_CONTEXT, parentContext) : ROOT_CONTEXT;
  const links: Link[] | undefined = opts.links?.map((c) => ({ context: c }));
  const span = tracer().startSpan(
    name,
    { attributes, kind: opts.kind ?? SpanKind.INTERNAL, ...(links?.length ? { links } : {}) },
    parent,
  );
  return fn(span).then(
    (r) => {
      span.end();
      return r;
    },
    (err) => {
      // The error's type only: a message may quote a receiver or content (never in spans).
      const e = err as { name?: string; code?: unknown };
      span.setAttribute('error.type', typeof e?.code === 'string' ? e.code : (e?.name ?? 'Error'));
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw err;
    },
  );
}

/**
 * The context of `span` for children and links (`opts.parent`), `undefined` when tracing is off
 * or the span is a no-op.
 *
 * @example inSpan('push.provider.call', undefined, attrs, call, { parent: contextOf(deliverSpan) })
 */
export function contextOf(span: Span | undefined): SpanContext | undefined {
  if (!enabled || !span) return undefined;
  const sc = span.spanContext();
  return trace.isSpanContextValid(sc) ? sc : undefined;
}

export { SpanKind };

/**
 * Starts a root span that the caller ends (`span.end()`), for work that does not fit a callback
 * (a scheduler chunk: its deliveries carry the span's traceparent). A no-op span when tracing is off.
 *
 * @example const span = openSpan('push.scheduler.chunk', { 'push.template_id': 7 }); …; span.end();
 */
export function openSpan(
  name: string,
  attributes: Record<string, string | number | boolean>,
  kind: SpanKind = SpanKind.INTERNAL,
): Span {
  if (!enabled) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return tracer().startSpan(name, { attributes, kind, root: true });
}

/**
 * Span contexts of the distinct sampled traceparents of `items` (at most `max`, the SDK's default
 * link limit), for a span that works for many traces at once (an aggregator batch, a batch
 * provider call). Returns `[]` without looking at the items when tracing is off.
 *
 * @example const links = linksOf(batch, (e) => e.event?.traceparent);
 */
export function linksOf<T>(
  items: readonly T[],
  traceparentOfItem: (item: T) => string | undefined,
  max = 128,
): SpanContext[] {
  if (!enabled) return [];
  const seen = new Set<string>();
  const out: SpanContext[] = [];
  for (const item of items) {
    const tp = traceparentOfItem(item);
    if (!tp || seen.has(tp)) continue;
    seen.add(tp);
    const sc = spanContextOf(tp);
    if (sc) out.push(sc);
    if (out.length >= max) break;
  }
  return out;
}
