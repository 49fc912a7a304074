import { context, propagation, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const w3c = new W3CTraceContextPropagator();
const tracer = () => trace.getTracer('pushline');

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is configured; otherwise the API stays a
 * no-op and spans cost nothing. Returns a shutdown function that flushes pending spans.
 *
 * @example const stop = await startTracing({ endpoint: config.otel.endpoint, serviceName: 'handler' });
 */
export async function startTracing(opts: {
  endpoint: string | undefined;
  serviceName: string;
}): Promise<() => Promise<void>> {
  propagation.setGlobalPropagator(w3c);
  const endpoint = opts.endpoint;
  if (!endpoint) return async () => undefined;
  // The SDK and exporter (~25 MB of a process's memory) load only when tracing is switched on.
  const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
  });
  sdk.start();
  return () => sdk.shutdown();
}

/** The W3C `traceparent` of a span (empty when the span is not sampled/recording). */
export function traceparentOf(span: Span): string {
  if (!span.isRecording()) return '';
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(context.active(), span), carrier, {
    set: (c, k, v) => {
      c[k] = v;
    },
  });
  return carrier.traceparent ?? '';
}

/**
 * Runs `fn` in a span named `name`, child of the W3C `traceparent` given (a delivery carries the
 * sender's trace across the stream, so one trace spans HTTP accept → provider call).
 *
 * @example await inSpan('push.deliver', delivery.traceparent, { route }, () => deliver(entry));
 */
export function inSpan<T>(
  name: string,
  traceparent: string | undefined,
  attributes: Record<string, string | number>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = traceparent
    ? w3c.extract(
        context.active(),
        { traceparent },
        { get: (c, k) => c[k as 'traceparent'], keys: (c) => Object.keys(c) },
      )
    : context.active();
  return tracer().startActiveSpan(name, { attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}
