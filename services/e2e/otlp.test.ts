import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../pkg/client/client.ts';
import { type Fleet, startFleet } from '../../pkg/testkit/fleet.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../pkg/testkit/otlp-receiver.ts';
import { sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { randomTag, waitFor } from '../../pkg/testkit/testkit.ts';

/**
 * OpenTelemetry over OTLP/HTTP from real processes: one message's spans from ingest, handler
 * (both attempts and their provider calls) and aggregator arrive at a local receiver in one
 * trace, each process under its own service name, with no receiver or content in any attribute.
 */
describe('traces over OTLP/HTTP protobuf (ingest + handler + aggregator processes → local receiver)', () => {
  let rx: OtlpReceiver;
  let fleet: Fleet;
  let push: ReturnType<typeof createClient>;
  let templateId: number;
  let accountId: number;
  const procs: ServiceProcess[] = [];

  before(async () => {
    rx = await startOtlpReceiver();
    fleet = await startFleet('otlp-e2e', {
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      // The SDK's batch processor exports every 100 ms instead of 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const shop = await fleet.core.repos.apps.create({ name: 'shop' });
    // Attempt 1 fails (retryable), attempt 2 is sent: two deliveries and calls in one trace.
    ({ templateId, accountId } = await sandboxTemplate(
      fleet.core.repos,
      { text: 'Your code is {$code}' },
      { appId: shop.app.id, accountConfig: { failAttempts: 1 } },
    ));
    push = createClient({ baseUrl: fleet.base, apiKey: shop.apiKey });
    fleet.spawnHandlers(1);
    procs.push(spawnService('aggregator', fleet.env));
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await fleet.close();
    await rx.close();
  });

  const inTrace = (traceId: string) => rx.spans.filter((s) => s.traceId === traceId);
  const failure = (what: string) =>
    `${what}\nspans: ${JSON.stringify(rx.spans, null, 1).slice(0, 4000)}\n${fleet.output()}`;

  test('one message: ingest → handler attempts → provider calls → aggregator in one trace', async () => {
    const receiver = `otlp-${randomTag()}`;
    const code = `c${randomTag()}`;
    // The caller's own trace is continued.
    const callerTrace = randomTag().padEnd(32, '0').slice(0, 32);
    const callerSpan = '00f067aa0ba902b7';
    const { messageIds } = await push.send(
      { templateId, messages: [{ receivers: [receiver], variables: { code } }] },
      { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    );
    const messageId = messageIds[0]!;
    const spans = await waitFor(
      'ingest, two deliveries, two provider calls and the aggregation of the message',
      () => {
        const t = inTrace(callerTrace);
        const n = (name: string) => t.filter((s) => s.name === name).length;
        const done =
          n('POST /v1/send') === 1 &&
          n('push.deliver') >= 2 &&
          n('push.provider.call') >= 2 &&
          n('push.aggregate') >= 1;
        return done ? t : undefined;
      },
      30_000,
      50,
    ).then(
      (t) => t!,
      (err) => {
        throw new Error(failure((err as Error).message));
      },
    );

    const one = (name: string): ReceivedSpan => spans.find((s) => s.name === name)!;
    const send = one('POST /v1/send');
    assert.equal(send.service, 'pushline-ingest');
    assert.equal(send.parentSpanId, callerSpan);
    assert.equal(send.kind, 2, 'server span');
    assert.equal(send.attributes['push.template_id'], templateId);

    const delivers = spans.filter((s) => s.name === 'push.deliver');
    for (const d of delivers) {
      assert.equal(d.service, 'pushline-handler');
      assert.equal(d.parentSpanId, send.spanId, 'each attempt is a child of the accepting request');
      assert.equal(d.attributes['push.message_id'], messageId);
      assert.equal(d.attributes['push.route'], 'sandbox.notice');
      assert.equal(d.attributes['push.template_id'], templateId);
    }
    assert.deepEqual(delivers.map((d) => d.attributes['push.attempt']).sort(), [1, 2]);

    const calls = spans.filter((s) => s.name === 'push.provider.call');
    for (const c of calls) {
      assert.equal(c.service, 'pushline-handler');
      assert.ok(
        delivers.some((d) => d.spanId === c.parentSpanId),
        'a provider call is a child of its delivery',
      );
      assert.equal(c.attributes['push.provider'], 'sandbox');
      assert.equal(c.attributes['push.account_id'], accountId);
      assert.equal(c.kind, 3, 'client span');
    }
    const attemptOf = (c: ReceivedSpan) =>
      delivers.find((d) => d.spanId === c.parentSpanId)!.attributes['push.attempt'];
    const first = calls.find((c) => attemptOf(c) === 1)!;
    const second = calls.find((c) => attemptOf(c) === 2)!;
    assert.equal(first.attributes['push.outcome'], 'retryable');
    assert.equal(first.attributes['push.error_code'], 'SANDBOX_FAILURE');
    assert.equal(first.status, 2);
    assert.equal(second.attributes['push.outcome'], 'sent');
    assert.equal(second.attributes['push.error_code'], undefined);

    const agg = one('push.aggregate');
    assert.equal(agg.service, 'pushline-aggregator');
    assert.equal(agg.parentSpanId, send.spanId, "child of the message's trace (its events carry it)");
    assert.ok(agg.links.some((l) => l.traceId === callerTrace && l.spanId === send.spanId));

    // Privacy: neither the receiver nor the rendered content is in any span, of any process.
    const all = JSON.stringify(rx.spans);
    assert.ok(!all.includes(receiver), 'no receiver in spans');
    assert.ok(!all.includes(code), 'no content in spans');
  });

  test('a send without a caller trace starts one', async () => {
    const { messageIds } = await push.send({
      templateId,
      messages: [{ receivers: [`otlp-${randomTag()}`], variables: { code: '1' } }],
    });
    const deliver = await waitFor(
      'the delivery span of the new message',
      () =>
        rx.spans.find((s) => s.name === 'push.deliver' && s.attributes['push.message_id'] === messageIds[0]),
      30_000,
      50,
    ).catch((err) => {
      throw new Error(failure((err as Error).message));
    });
    assert.ok(deliver);
    const root = inTrace(deliver.traceId).find((s) => s.name === 'POST /v1/send');
    assert.ok(root, 'the ingest span is in the same trace');
    assert.equal(root.parentSpanId, '', 'and is its root');
    assert.equal(deliver.parentSpanId, root.spanId);
  });
});
