import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import type { ProviderDefinition, SendOutcome } from '../channels/definition.ts';
import type { Kit } from '../channels/kit/types.ts';
import { buildSender } from '../channels/sender.ts';
import { testDelivery, testTemplate } from '../testkit/messages.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../testkit/otlp-receiver.ts';
import { waitFor } from '../testkit/testkit.ts';
import { recordOutcome } from './span-outcome.ts';
import { contextOf, inSpan, startTracing } from './tracing.ts';

// A batch provider's call carries many deliveries: one `push.provider.batch_call` span, child of
// the first delivery's provider-call span and linked to every one's (each has its own trace).
let rx: OtlpReceiver;
let stop: () => Promise<void>;
before(async () => {
  rx = await startOtlpReceiver();
  stop = await startTracing({ endpoint: rx.url, serviceName: 'pushline-test' });
});
after(async () => {
  await rx.close();
});

const batchDefinition: ProviderDefinition<Record<string, never>> = {
  channel: 'sandbox',
  provider: 'batchy',
  title: 'batch probe',
  config: z.object({}),
  content: z.unknown(),
  receivers: ['any'],
  errors: {},
  capabilities: { batch: 10 },
  create: () => ({
    send: async (): Promise<SendOutcome> => ({ ok: true }),
    sendBatch: async (req) => req.deliveries.map((): SendOutcome => ({ ok: true })),
  }),
};

test('a batch call is one span linked to every delivery it carries', async () => {
  const account = { id: 9, channel: 'sandbox' as const, provider: 'batchy', config: {}, updatedAt: 1 };
  const sender = buildSender(batchDefinition, account, {} as Kit, undefined, { lingerMs: () => 20 });
  const traces = ['a', 'b', 'c'].map((c) => c.repeat(32));
  await Promise.all(
    traces.map((t, i) =>
      inSpan('push.provider.call', `00-${t}-${'1'.repeat(15)}${i}-01`, {}, async (span) => {
        const o = await sender.send({
          delivery: testDelivery({ id: `m${i}`, receiver: `r${i}@x.com` }),
          template: testTemplate(),
          content: { text: 'secret content' },
          traceContext: contextOf(span)!,
        });
        recordOutcome(span, o);
        return o;
      }),
    ),
  );
  await stop();
  await waitFor('four spans', () => rx.spans.length >= 4, 5000, 20);
  const batch = rx.spans.filter((s) => s.name === 'push.provider.batch_call');
  assert.equal(batch.length, 1, 'one call, one span');
  const calls = rx.spans.filter((s) => s.name === 'push.provider.call');
  assert.deepEqual(
    batch[0]!.links.map((l) => l.spanId).sort(),
    calls.map((c) => c.spanId).sort(),
    'linked to each delivery',
  );
  assert.equal(batch[0]!.traceId, batch[0]!.links[0]!.traceId, "in the first delivery's trace");
  assert.equal(batch[0]!.parentSpanId, batch[0]!.links[0]!.spanId);
  assert.equal(batch[0]!.attributes['push.batch_size'], 3);
  assert.equal(batch[0]!.attributes['push.provider'], 'batchy');
  assert.equal(batch[0]!.attributes['push.account_id'], 9);
  const all = JSON.stringify(rx.spans);
  assert.ok(!all.includes('@x.com') && !all.includes('secret content'), 'no receivers or content');
});
