import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOtlpReceiver } from '../testkit/otlp-receiver.ts';
import { waitFor } from '../testkit/testkit.ts';
import { recordOutcome } from './span-outcome.ts';
import {
  contextOf,
  inSpan,
  linksOf,
  openSpan,
  SpanKind,
  spanContextOf,
  startTracing,
  traceparentOf,
} from './tracing.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const incoming = `00-${traceId}-00f067aa0ba902b7-01`;

// One process, one global tracer provider: the "off" checks must run before startTracing.
test('tracing off: spans are no-ops, nothing is propagated', async () => {
  const r = await inSpan('push.deliver', incoming, { a: 1 }, async (span) => {
    assert.equal(span.isRecording(), false);
    assert.equal(traceparentOf(span), '');
    return 7;
  });
  assert.equal(r, 7);
  assert.equal(spanContextOf(incoming), undefined);
  assert.deepEqual(
    linksOf([incoming], (x) => x),
    [],
  );
  assert.equal(traceparentOf(openSpan('x', {})), '');
});

test('tracing on: spans continue the caller trace and reach the OTLP receiver as JSON', async () => {
  const rx = await startOtlpReceiver();
  const stop = await startTracing({ endpoint: rx.url, serviceName: 'pushline-test', protocol: 'http/json' });
  let child = '';
  await inSpan(
    'POST /v1/send',
    incoming,
    { k: 1 },
    async (span) => {
      child = traceparentOf(span);
      await inSpan(
        'push.provider.call',
        undefined,
        { 'push.provider': 'sandbox' },
        async (call) => {
          recordOutcome(call, { ok: false, code: 'HTTP_429', retryable: true, rateLimited: true });
        },
        { parent: contextOf(span)! },
      );
    },
    { kind: SpanKind.SERVER },
  );
  assert.match(child, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  await assert.rejects(
    inSpan('push.deliver', child, {}, async () => Promise.reject(new Error('boom a@x.com'))),
    /boom/,
  );
  // A caller (or an ingest) that did not sample: its decision holds downstream, nothing is exported.
  const unsampledTrace = '3'.repeat(32);
  const unsampled = `00-${unsampledTrace}-${'4'.repeat(16)}-00`;
  await inSpan('push.deliver', unsampled, {}, async (span) => {
    assert.equal(span.isRecording(), false);
    assert.equal(traceparentOf(span), unsampled, 'the not-sampled decision travels on');
    await inSpan(
      'push.provider.call',
      undefined,
      {},
      async (call) => {
        assert.equal(call.isRecording(), false);
        assert.equal(call.spanContext().traceId, unsampledTrace);
      },
      { parent: contextOf(span)! },
    );
  });
  const other = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
  const links = linksOf([other, other, '', child], (x) => x);
  assert.equal(links.length, 2, 'distinct, non-empty traceparents only');
  await inSpan('push.aggregate', undefined, {}, async () => undefined, { links, parent: links[0]! });
  await stop();

  await waitFor('four spans', () => rx.spans.length >= 4, 5000, 20);
  await rx.close();
  assert.ok(!rx.spans.some((x) => x.traceId === unsampledTrace), 'an unsampled trace was exported');
  const by = (n: string) => rx.spans.find((s) => s.name === n)!;
  const send = by('POST /v1/send');
  assert.equal(send.traceId, traceId);
  assert.equal(send.parentSpanId, '00f067aa0ba902b7');
  assert.equal(send.kind, 2);
  assert.equal(send.service, 'pushline-test');
  const call = by('push.provider.call');
  assert.equal(call.parentSpanId, send.spanId, 'the parent given');
  assert.equal(call.attributes['push.outcome'], 'rate_limited');
  assert.equal(call.attributes['push.error_code'], 'HTTP_429');
  assert.equal(call.status, 2);
  const deliver = by('push.deliver');
  assert.equal(deliver.parentSpanId, send.spanId);
  assert.equal(deliver.status, 2);
  assert.equal(deliver.attributes['error.type'], 'Error');
  assert.ok(!JSON.stringify(rx.spans).includes('a@x.com'), 'an error message never becomes an attribute');
  const agg = by('push.aggregate');
  assert.equal(agg.traceId, '1'.repeat(32));
  assert.deepEqual(
    agg.links.map((l) => l.traceId),
    ['1'.repeat(32), traceId],
  );
});
