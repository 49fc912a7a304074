import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

type ProtoMessage = {
  decode(b: Uint8Array): unknown;
  toObject(m: unknown, o: Record<string, unknown>): Record<string, unknown>;
};
/** The protobuf codec of `ExportTraceServiceRequest` the SDK's own exporter encodes with (same pinned version). */
const protoRequest = (): ProtoMessage =>
  createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry
    .proto.collector.trace.v1.ExportTraceServiceRequest;

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
};
type KeyValue = { key: string; value?: AnyValue };
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: KeyValue[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
};
type OtlpTraces = {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
};

/** One span as an OTLP/HTTP JSON export carried it, flattened. */
export type ReceivedSpan = Readonly<{
  service: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Readonly<Record<string, string | number | boolean>>;
  links: readonly { traceId: string; spanId: string }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
}>;

export type OtlpReceiver = Readonly<{
  /** Base URL to give as `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  url: string;
  /** Spans received so far (empty when started with `discard`). */
  spans: readonly ReceivedSpan[];
  /** Export requests and body bytes received. */
  stats(): { requests: number; bytes: number };
  close(): Promise<void>;
}>;

const anyValue = (v: AnyValue | undefined): string | number | boolean => {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return JSON.stringify(v);
};
const record = (kvs: KeyValue[] | undefined) =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, anyValue(kv.value)]));

/**
 * Flattens an OTLP/HTTP JSON trace export (`ExportTraceServiceRequest`, ids as hex strings as
 * the JS exporter writes them) into spans tagged with their resource's `service.name`.
 *
 * @example decodeOtlpTraces(JSON.parse(body))[0]?.name // 'push.deliver'
 */
export function decodeOtlpTraces(body: OtlpTraces): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const service = String(record(rs.resource?.attributes)['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? [])
        out.push({
          service,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind ?? 0,
          attributes: record(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          status: s.status?.code ?? 0,
        });
  }
  return out;
}

/** Ids of a protobuf-decoded export are bytes; the JSON encoding (and {@link decodeOtlpTraces}) has hex. */
function hexIds(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(hexIds);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexIds(x)]));
  return v;
}

/**
 * Decodes an OTLP/HTTP trace export body of either encoding (`application/x-protobuf` or JSON).
 *
 * @example decodeOtlpBody(body, req.headers['content-type'])
 */
export function decodeOtlpBody(body: Buffer, contentType: string | undefined): ReceivedSpan[] {
  if (contentType?.startsWith('application/x-protobuf')) {
    const m = protoRequest();
    const obj = m.toObject(m.decode(body), { longs: Number, enums: Number, defaults: false });
    return decodeOtlpTraces(hexIds(obj) as OtlpTraces);
  }
  return decodeOtlpTraces(JSON.parse(body.toString()) as OtlpTraces);
}

/**
 * A local OTLP/HTTP trace receiver (`POST /v1/traces`, protobuf or JSON, gzip or not): keeps every span for
 * tests to assert on, or with `discard` only counts bytes (a benchmark's sink costs the harness
 * no parsing). Anything else answers 404.
 *
 * @example
 * const rx = await startOtlpReceiver();
 * spawnService('handler', { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
 * await waitFor('deliver span', () => rx.spans.some((s) => s.name === 'push.deliver'));
 */
export async function startOtlpReceiver(opts: { discard?: boolean } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const raw = Buffer.concat(chunks);
      bytes += raw.length;
      if (!opts.discard) {
        try {
          const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          spans.push(...decodeOtlpBody(body, req.headers['content-type']));
        } catch {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end('{"error":"not an OTLP trace export"}');
          return;
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  // Exporters keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    stats: () => ({ requests, bytes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
