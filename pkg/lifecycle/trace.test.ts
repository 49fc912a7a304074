import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fieldsToRecord } from '../domain/delivery.ts';
import { decodeEvent, partitionOf } from '../domain/events.ts';
import { testDelivery } from '../testkit/messages.ts';
import { testRedis } from '../testkit/testkit.ts';
import { createLedger, type Ledger } from './ledger.ts';
import { parseTrace, readTrace } from './trace.ts';

const T0 = Date.parse('2026-11-23T01:30:00Z');
const US = '\u001f'; // between the fields of an entry
const RS = '\u001e'; // after each entry
const iso = (ms: number) => new Date(ms).toISOString();
const entry = (at: number | string, state: string, reason = '') => `${at}${US}${state}${US}${reason}${RS}`;
const identity = { tpl: '7', rcv: 'a@x.com', ch: 'sms', mt: 'auth', st: 'sent' };

describe('parseTrace: the timeline of a ledger record', () => {
  test('orders entries by time, keeping write order on equal times; the last one is the state', () => {
    const t = parseTrace('m1', {
      ...identity,
      // A receipt stamped by the provider's clock before `sent` was recorded, then two entries
      // of one instant written in an order that is neither alphabetical nor reversed.
      tl:
        entry(T0 + 20, 'sent') +
        entry(T0 + 15, 'delivered', 'DELIVRD') +
        entry(T0, 'accepted') +
        entry(T0 + 30, 'read') +
        entry(T0 + 30, 'failed', 'late receipt') +
        entry(T0 + 30, 'dead_lettered', 'late receipt'),
    });
    assert.deepEqual(t, {
      messageId: 'm1',
      templateId: 7,
      templateVersion: null,
      receiver: 'a@x.com',
      channel: 'sms',
      messageType: 'auth',
      appId: null,
      requestId: null,
      bizId: null,
      accountId: null,
      provider: null,
      state: 'dead_lettered',
      timeline: [
        { state: 'accepted', at: iso(T0), reason: '' },
        { state: 'delivered', at: iso(T0 + 15), reason: 'DELIVRD' },
        { state: 'sent', at: iso(T0 + 20), reason: '' },
        { state: 'read', at: iso(T0 + 30), reason: '' },
        { state: 'failed', at: iso(T0 + 30), reason: 'late receipt' },
        { state: 'dead_lettered', at: iso(T0 + 30), reason: 'late receipt' },
      ],
    });
  });

  test('no record, no timeline or only malformed entries: no trace; malformed entries are skipped', () => {
    assert.equal(parseTrace('m1', {}), undefined);
    assert.equal(parseTrace('m1', identity), undefined, 'a record without `tl` has no trace');
    assert.equal(parseTrace('m1', { ...identity, tl: '' }), undefined);
    const bad = `${entry('soon', 'sent')}${entry(T0, '')}${RS}${RS}`;
    assert.equal(parseTrace('m1', { ...identity, tl: bad }), undefined);
    const t = parseTrace('m1', { ...identity, tl: bad + entry(T0, 'accepted') });
    assert.deepEqual(t?.timeline, [{ state: 'accepted', at: iso(T0), reason: '' }]);
  });

  test('a reason holding a field separator keeps its text (joined by a space)', () => {
    const t = parseTrace('m1', { ...identity, tl: `${T0}${US}failed${US}smtp${US}550${RS}` });
    assert.equal(t?.timeline[0]?.reason, 'smtp 550');
  });
});

describe('the ledger writes each emitted event into the timeline of its record', () => {
  const N = 4;
  let r: Awaited<ReturnType<typeof testRedis>>;
  let ledger: Ledger;
  const account = { id: 3, provider: 'tencent' };
  const trace = (id: string) => readTrace({ redis: r.redis, keys: r.keys, partitions: N }, id);
  /** `[state, at, reason]` of the message's timeline. */
  const timeline = async (id: string) =>
    (await trace(id))?.timeline.map((x) => [x.state, Date.parse(x.at), x.reason]) ?? [];
  /** `[state, at, reason]` of every event of the message in its partition's stream, in order. */
  const emitted = async (id: string) =>
    (await r.redis.xrange(r.keys.events(partitionOf(id, N)), '-', '+'))
      .map(([, f]) => decodeEvent(fieldsToRecord(f))!)
      .filter((e) => e.messageId === id)
      .map((e) => [e.state, e.at, e.reason]);
  const delivery = (over: Parameters<typeof testDelivery>[0] = {}) =>
    testDelivery({ templateId: 7, receiver: '+8613800138000', channel: 'sms', messageType: 'auth', ...over });

  before(async () => {
    r = await testRedis();
    ledger = createLedger({ redis: r.redis, keys: r.keys, partitions: N, ttlMs: 86_400_000 });
  });
  after(() => r.cleanup());

  test('readTrace reads a real record: identity, timeline, state; unknown ids have none', async () => {
    const d = delivery();
    await ledger.accept({ ...d, appId: 1, bizId: 'order-9' }, T0, 'sendAt', 4);
    assert.deepEqual(await trace(d.id), {
      messageId: d.id,
      templateId: 7,
      templateVersion: 4,
      receiver: '+8613800138000',
      channel: 'sms',
      messageType: 'auth',
      appId: 1,
      requestId: d.requestId,
      bizId: 'order-9',
      accountId: null,
      provider: null,
      state: 'scheduled',
      timeline: [
        { state: 'accepted', at: iso(T0), reason: '' },
        { state: 'scheduled', at: iso(T0), reason: 'sendAt' },
      ],
    });
    assert.equal(await trace(delivery().id), undefined);
  });

  test('redelivery appends nothing twice: accept, begin, finish and fail replayed', async () => {
    const sent = delivery();
    const failed = delivery();
    for (const d of [sent, failed]) {
      // Twice in one tick (one script call holds both) and once more later: one record, one entry.
      assert.deepEqual(await Promise.all([ledger.accept(d, T0), ledger.accept(d, T0 + 1)]), [1, 0]);
      assert.equal(await ledger.accept(d, T0 + 2), 0);
      const begins = await Promise.all([
        ledger.begin(d, 'h1', T0 + 5, false, account),
        ledger.begin(d, 'h2', T0 + 6),
      ]);
      assert.deepEqual(
        begins.map((b) => b.kind),
        ['go', 'busy'],
      );
    }
    assert.deepEqual(
      await Promise.all([
        ledger.finish(sent, 'sent', { at: T0 + 10, providerMessageId: 'p-1', account }),
        ledger.finish(sent, 'sent', { at: T0 + 11, providerMessageId: 'p-1', account }),
      ]),
      [true, false],
    );
    assert.equal(await ledger.finish(sent, 'sent', { at: T0 + 12, account }), false);
    assert.deepEqual(
      await Promise.all([
        ledger.fail(failed, 'E_TIMEOUT', { at: T0 + 10, account }),
        ledger.fail(failed, 'E_TIMEOUT', { at: T0 + 11, account }),
      ]),
      [true, false],
    );
    assert.equal(await ledger.fail(failed, 'E_TIMEOUT', { at: T0 + 12, account }), false);
    // A redelivered entry of a sent message is told so and writes nothing.
    assert.deepEqual(await ledger.begin(sent, 'h3', T0 + 20, true, account), {
      kind: 'sent',
      providerMessageId: 'p-1',
    });

    assert.deepEqual(await timeline(sent.id), [
      ['accepted', T0, ''],
      ['sent', T0 + 10, ''],
    ]);
    assert.deepEqual(await timeline(failed.id), [
      ['accepted', T0, ''],
      ['failed', T0 + 10, 'E_TIMEOUT'],
      ['dead_lettered', T0 + 10, 'E_TIMEOUT'],
    ]);
    // The timeline is exactly what was emitted to the aggregator, event for event.
    for (const d of [sent, failed]) assert.deepEqual(await timeline(d.id), await emitted(d.id));
  });

  test('a retried message keeps every attempt; an in-doubt resend shows its `sending`', async () => {
    const d = delivery();
    await ledger.accept(d, T0);
    assert.equal((await ledger.begin(d, 'h1', T0 + 1, false, account)).kind, 'go');
    assert.ok(await ledger.finish(d, 'retrying', { at: T0 + 2, reason: 'E_THROTTLED', account }));
    const second = { ...d, attempt: 2 };
    assert.equal((await ledger.begin(second, 'h1', T0 + 3, false, account)).kind, 'go');
    // h1 dies during the call; h2 reclaims the entry and may send again.
    assert.equal((await ledger.begin(second, 'h2', T0 + 4, true, account)).kind, 'go');
    assert.ok(await ledger.finish(second, 'sent', { at: T0 + 5, providerMessageId: 'p-2', account }));
    assert.deepEqual(await timeline(d.id), [
      ['accepted', T0, ''],
      ['retrying', T0 + 2, 'E_THROTTLED'],
      ['sending', T0 + 4, 'in-doubt resend (attempt 2)'],
      ['sent', T0 + 5, ''],
    ]);
    assert.deepEqual(await timeline(d.id), await emitted(d.id));
  });

  test('separators in a reason become spaces, so they cannot split or forge entries', async () => {
    const d = delivery();
    await ledger.accept(d, T0);
    await ledger.begin(d, 'h1', T0 + 1, false, account);
    const forged = `E_1${RS}${T0 - 1}${US}sent${US}${RS}x${US}y`;
    assert.ok(await ledger.fail(d, forged, { at: T0 + 2, account }));
    const clean = `E_1 ${T0 - 1} sent  x y`;
    assert.deepEqual(await timeline(d.id), [
      ['accepted', T0, ''],
      ['failed', T0 + 2, clean],
      ['dead_lettered', T0 + 2, clean],
    ]);
    assert.deepEqual(await timeline(d.id), await emitted(d.id));
  });

  test('a receipt adds `delivered` to the timeline and becomes the trace state; the record stays `sent`', async () => {
    const d = delivery();
    await ledger.accept(d, T0);
    await ledger.begin(d, 'h1', T0 + 1, false, account);
    await ledger.finish(d, 'sent', { at: T0 + 2, providerMessageId: 'p-3', account });
    assert.equal(await ledger.receipt(d.id, 'delivered', T0 + 900, 'DELIVRD'), 'recorded');
    // Providers re-post and pulls overlap callbacks: the same receipt again, or a contradicting
    // late one, changes nothing; a `read` after `delivered` is still news.
    assert.equal(await ledger.receipt(d.id, 'delivered', T0 + 950, 'DELIVRD'), 'duplicate');
    assert.equal(await ledger.receipt(d.id, 'failed', T0 + 960, 'UNDELIV'), 'duplicate');
    const t = await trace(d.id);
    assert.equal(t?.state, 'delivered');
    assert.deepEqual(await timeline(d.id), [
      ['accepted', T0, ''],
      ['sent', T0 + 2, ''],
      ['delivered', T0 + 900, 'DELIVRD'],
    ]);
    assert.deepEqual(await timeline(d.id), await emitted(d.id));
    assert.equal((await ledger.record(d.id))?.st, 'sent');
    assert.equal(await ledger.ended(d.id), 'sent');
    // The receipt event carries the account the message was sent through.
    const [, fields] = (
      await r.redis.xrevrange(r.keys.events(partitionOf(d.id, N)), '+', '-', 'COUNT', 1)
    )[0]!;
    assert.deepEqual(decodeEvent(fieldsToRecord(fields)), {
      messageId: d.id,
      templateId: 7,
      receiver: '+8613800138000',
      channel: 'sms',
      messageType: 'auth',
      state: 'delivered',
      at: T0 + 900,
      reason: 'DELIVRD',
      accountId: 3,
      provider: 'tencent',
    });

    // A receipt for a message without a record writes nothing: no record, no event, no trace.
    const unknown = delivery();
    const stream = r.keys.events(partitionOf(unknown.id, N));
    const length = await r.redis.xlen(stream);
    assert.equal(await ledger.receipt(unknown.id, 'delivered', T0, 'DELIVRD'), 'unknown');
    assert.equal(await r.redis.exists(r.keys.attempt(partitionOf(unknown.id, N), unknown.id)), 0);
    assert.equal(await r.redis.xlen(stream), length);
    assert.equal(await trace(unknown.id), undefined);
  });

  test('cancel and recall add their entry once; refused ones add none', async () => {
    const waiting = delivery();
    await ledger.accept(waiting, T0);
    assert.equal(await ledger.cancel(waiting.id, 'by request', T0 + 1), 'cancelled');
    assert.equal(await ledger.cancel(waiting.id, 'by request', T0 + 2), 'already_cancelled');
    assert.deepEqual(await timeline(waiting.id), [
      ['accepted', T0, ''],
      ['cancelled', T0 + 1, 'by request'],
    ]);
    assert.equal((await trace(waiting.id))?.state, 'cancelled');

    const sent = delivery();
    await ledger.accept({ ...sent, appId: 1 }, T0);
    await ledger.begin(sent, 'h1', T0 + 1, false, account);
    await ledger.finish(sent, 'sent', { at: T0 + 2, providerMessageId: 'p-4', account });
    assert.equal(await ledger.cancel(sent.id, 'too late', T0 + 3), 'sent');
    assert.equal(await ledger.recalled(sent.id, 'by request', T0 + 4, 2), 'unknown', "another app's message");
    assert.equal(await ledger.recalled(sent.id, 'by request', T0 + 5, 1), 'recalled');
    assert.equal(await ledger.recalled(sent.id, 'by request', T0 + 6, 1), 'already_recalled');
    assert.deepEqual(await timeline(sent.id), [
      ['accepted', T0, ''],
      ['sent', T0 + 2, ''],
      ['recalled', T0 + 5, 'by request'],
    ]);
    assert.equal((await trace(sent.id))?.state, 'recalled');
    for (const d of [waiting, sent]) assert.deepEqual(await timeline(d.id), await emitted(d.id));
  });
});
