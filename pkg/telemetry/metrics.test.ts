import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Gauge } from 'prom-client';
import { createMetrics, mergeMetrics } from './metrics.ts';
import { snapshotOnce } from './stream-metrics.ts';

const names = (m: { registry: { getMetricsAsArray(): { name: string }[] } }) =>
  m.registry.getMetricsAsArray().map((x) => x.name);

describe('metrics', () => {
  test('each kind declares its own push_* series; no name in two kinds', () => {
    const kinds = (['ingest', 'handler', 'aggregator', 'scheduler'] as const).map((process) =>
      createMetrics({ process, defaults: false }),
    );
    const all = kinds.flatMap(names);
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.every((n) => n.startsWith('push_')));
    assert.ok(names(kinds[0]!).includes('push_deliveries_accepted_total'));
    assert.ok(names(kinds[1]!).includes('push_provider_call_duration_seconds'));
    assert.ok(names(kinds[3]!).includes('push_stream_lag'));
  });

  test('the merged exposition keeps each part its process label, default metrics once', async () => {
    const ingest = createMetrics({ process: 'ingest' });
    const handler = createMetrics({ process: 'handler', defaults: false });
    const aggregator = createMetrics({ process: 'aggregator', defaults: false });
    // The aggregator registers its own series on its registry (pkg/stats/aggregator.ts).
    new Gauge({ name: 'push_aggregator_lag_events', help: 'h', registers: [aggregator.registry] }).set(3);
    ingest.accepted.inc({ route: 'sms.auth' });
    handler.handled.inc({ route: 'sms.auth', outcome: 'ack' });
    const merged = mergeMetrics(() => [ingest, handler, aggregator]);
    const text = await merged.metrics();
    assert.match(text, /push_deliveries_accepted_total\{route="sms.auth",process="ingest"\} 1/);
    assert.match(text, /push_deliveries_handled_total\{route="sms.auth",outcome="ack",process="handler"\} 1/);
    assert.match(text, /push_aggregator_lag_events\{process="aggregator"\} 3/);
    assert.equal(text.match(/^# TYPE process_cpu_seconds_total /gm)?.length, 1);
    assert.match(text, /process_cpu_seconds_total\{process="ingest"\}/);
    // Two registries of one kind would show a name twice: refused, not served half-valid.
    const twice = mergeMetrics(() => [handler, createMetrics({ process: 'handler', defaults: false })]);
    await assert.rejects(twice.metrics(), /push_deliveries_total is in two/);
  });

  test('stream gauges read one snapshot per scrape, and nothing when the source answers none', async () => {
    let reads = 0;
    const m = createMetrics({
      process: 'scheduler',
      defaults: false,
      streams: async () => {
        reads++;
        return {
          groups: [{ stream: 'd:{sms.auth}', group: 'handlers', lag: 4, pending: 2 }],
          deadLetters: [{ stream: 'dlq:{sms.auth}', length: 1 }],
        };
      },
    });
    const text = await m.registry.metrics();
    assert.equal(reads, 1);
    assert.match(text, /push_stream_lag\{stream="d:\{sms.auth\}",group="handlers",process="scheduler"\} 4/);
    assert.match(
      text,
      /push_stream_pending\{stream="d:\{sms.auth\}",group="handlers",process="scheduler"\} 2/,
    );
    assert.match(text, /push_dead_letters\{stream="dlq:\{sms.auth\}",process="scheduler"\} 1/);
    // A scheduler that does not lead reports no stream series (the leader does).
    const standby = createMetrics({ process: 'scheduler', defaults: false, streams: async () => undefined });
    assert.doesNotMatch(await standby.registry.metrics(), /push_stream_lag\{/);
  });

  test('snapshotOnce: a failed read is not kept', async () => {
    let n = 0;
    const snap = snapshotOnce(async () => {
      n++;
      if (n === 1) throw new Error('down');
      return n;
    });
    await assert.rejects(snap(), /down/);
    assert.equal(await snap(), 2);
    assert.equal(await snap(), 2);
  });
});
