import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createKeys } from '../redis/keys.ts';
import { interleave, syntheticMessages } from '../testkit/synthetic-events.ts';
import { encodeApply } from './apply.ts';
import { type FoldInput, fold } from './fold.ts';

const TZ = 'Asia/Shanghai';
const T0 = Date.parse('2026-11-23T01:30:00Z'); // 09:30 in Shanghai

/**
 * 1,000 consecutive events of `templates` templates accepted within ten minutes (one day, one
 * hour), from the middle of the stream: some messages began in an earlier batch.
 */
function batchOf(templates: number): FoldInput[] {
  const messages = syntheticMessages({ count: 500, startMs: T0, spanMs: 600_000, templates, seed: 5 });
  const events = interleave(messages).slice(200, 1200);
  assert.equal(events.length, 1000);
  return events.map((event, i) => ({ streamId: `${T0 + i}-0`, event }));
}

describe('fold: a batch is summed per counter key before it is written', () => {
  test('1,000 events of 3 templates touch 6 counter keys (day + hour each), one count per field', () => {
    const batch = batchOf(3);
    const d = fold(batch, { timezone: TZ, now: T0 });
    // The HINCRBY targets of the batch: one entry per (template, bucket).
    assert.deepEqual(d.counters.map((c) => `${c.templateId}|${c.bucket}`).sort(), [
      '1|2026-11-23',
      '1|2026-11-23T09',
      '2|2026-11-23',
      '2|2026-11-23T09',
      '3|2026-11-23',
      '3|2026-11-23T09',
    ]);
    // Every event is in its day's and its hour's sum, none twice.
    const total = d.counters.reduce((s, c) => s + Object.values(c.counts).reduce((a, b) => a + b, 0), 0);
    assert.equal(total, 2 * batch.length);
    for (const c of d.counters) {
      const expected: Record<string, number> = {};
      for (const { event } of batch)
        if (event.templateId === c.templateId) expected[event.state] = (expected[event.state] ?? 0) + 1;
      assert.deepEqual(c.counts, expected, `${c.templateId}|${c.bucket}`);
    }
    // Fields (HINCRBY calls) are at most templates × buckets × states seen, far below 2 × 1,000.
    const fields = d.counters.reduce((s, c) => s + Object.keys(c.counts).length, 0);
    const states = new Set(batch.map((b) => b.event.state)).size;
    assert.ok(fields <= 6 * states, `${fields} fields`);

    // What the script is given: 6 counter keys, each in one 'c' operation.
    const k = createKeys('push:');
    const { keys, args } = encodeApply(
      k,
      2,
      d,
      batch.map((b) => b.streamId),
      { traceTtlS: 1, counterTtlS: 1 },
    );
    const counterKeys = keys.filter((key) => key.includes(':t:'));
    assert.equal(counterKeys.length, 6);
    assert.equal(args.filter((a) => a === 'c').length, 6);
    // Besides them only the partition's stream, its applied id and receiver days: no key per message.
    const other = keys.filter((key) => !key.includes(':t:'));
    assert.deepEqual(other.slice(0, 2), [k.events(2), k.statsApplied(2)]);
    assert.ok(
      other.slice(2).every((key) => /^push:st:\{p2\}:rs?:/.test(key)),
      other.slice(2).join(', '),
    );
  });

  test('each message and each receiver listing appears once per batch, whatever its number of events', () => {
    const batch = batchOf(3);
    const d = fold(batch, { timezone: TZ, now: T0 });
    const messages = new Set(batch.map((b) => b.event.messageId));
    assert.ok(messages.size < batch.length / 2, `${messages.size} messages`);
    assert.equal(d.receivers.length, messages.size);
    assert.deepEqual(new Set(d.receivers.map((r) => r.messageId)), messages);
    // Messages whose first event of the batch is their first event at all are marked fresh.
    const first = new Map<string, string>();
    for (const { event } of batch) if (!first.has(event.messageId)) first.set(event.messageId, event.state);
    for (const r of d.receivers)
      assert.equal(r.fresh, ['accepted', 'scheduled'].includes(first.get(r.messageId)!), r.messageId);
    assert.ok(d.receivers.some((r) => r.fresh) && d.receivers.some((r) => !r.fresh));
  });
});
