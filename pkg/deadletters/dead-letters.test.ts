import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Route } from '../domain/channels.ts';
import { type Delivery, encodeDelivery, fieldsToRecord } from '../domain/delivery.ts';
import { decodeEvent, partitionOf } from '../domain/events.ts';
import { createLedger, type Ledger } from '../lifecycle/ledger.ts';
import { readTrace } from '../lifecycle/trace.ts';
import { testDelivery } from '../testkit/messages.ts';
import { testRedis } from '../testkit/testkit.ts';
import { createDeadLetters, type DeadLetters } from './dead-letters.ts';
import { decodeCursor, parseDeadLetterId } from './ids.ts';
import { SCAN_PER_ROUTE } from './list.ts';
import { REPLAY_PAGE } from './replay.ts';

const N = 4;
const T0 = Date.parse('2026-11-23T01:00:00Z');

describe('dead letters on real Redis: list, inspect, replay, discard', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let ledger: Ledger;
  let dl: DeadLetters;

  before(async () => {
    r = await testRedis();
    ledger = createLedger({ redis: r.redis, keys: r.keys, partitions: N, ttlMs: 86_400_000 });
    dl = createDeadLetters({ redis: r.redis, keys: r.keys, ledger });
  });
  after(() => r.cleanup());
  // Every test starts from empty dead-letter and delivery streams.
  beforeEach(async () => {
    let cursor = '0';
    do {
      const [next, found] = await r.redis.scan(cursor, 'MATCH', `${r.prefix}*`, 'COUNT', 10_000);
      cursor = next;
      if (found.length) await r.redis.unlink(...found);
    } while (cursor !== '0');
  });

  const routeOf = (d: Delivery) => `${d.channel}.${d.messageType}` as Route;
  /**
   * A message accepted, failed and dead-lettered as the handler does it (ledger `fail`, then the
   * delivery's fields + dlq_* on the route's dead-letter stream), at entry id `<at>-<seq>`.
   */
  async function deadLetter(
    over: Partial<Delivery> = {},
    opts: { at?: number; seq?: number; reason?: string } = {},
  ): Promise<{ d: Delivery; id: string }> {
    const d = testDelivery({ attempt: 5, ...over });
    await ledger.accept(d, T0);
    await ledger.fail(d, opts.reason ?? 'SMTP_550', { at: T0 + 1 });
    const entryId = await r.redis.xadd(
      r.keys.deadLetters(routeOf(d)),
      opts.at === undefined ? '*' : `${opts.at}-${opts.seq ?? 0}`,
      ...encodeDelivery(d),
      'dlq_reason',
      opts.reason ?? 'SMTP_550',
      'dlq_message',
      '550 mailbox unavailable',
    );
    return { d, id: `${routeOf(d)}:${entryId}` };
  }
  /** Every event of a message, in order. */
  const events = async (messageId: string) =>
    (await r.redis.xrange(r.keys.events(partitionOf(messageId, N)), '-', '+'))
      .map(([, f]) => decodeEvent(fieldsToRecord(f))!)
      .filter((e) => e.messageId === messageId);
  const streamEntries = async (route: Route) =>
    (await r.redis.xrange(r.keys.stream(route), '-', '+')).map(([, f]) => fieldsToRecord(f));
  const dlqLength = (route: Route) => r.redis.xlen(r.keys.deadLetters(route));
  /** Every page of a listing, concatenated (asserting each page's size). */
  async function allPages(filter: Parameters<DeadLetters['list']>[0], limit: number, appId?: number) {
    const ids: string[] = [];
    let after: ReturnType<typeof decodeCursor>;
    let pages = 0;
    for (;;) {
      const page = await dl.list(filter, after, limit, { appId });
      assert.ok(page.items.length <= limit);
      ids.push(...page.items.map((i) => i.id));
      pages++;
      if (!page.next) return { ids, pages };
      after = decodeCursor(page.next);
      assert.ok(after, 'next is a cursor');
      assert.ok(pages < 1000, 'the listing ends');
    }
  }

  test('lists newest first across routes with every field; inspect shows the delivery', async () => {
    const a = await deadLetter({ channel: 'email', receiver: 'a@x.com', appId: 2 }, { at: T0 + 1000 });
    const b = await deadLetter(
      { channel: 'sms', receiver: '+8613800138000', templateId: 9 },
      { at: T0 + 3000 },
    );
    const c = await deadLetter({ channel: 'email', receiver: 'c@x.com', appId: 2 }, { at: T0 + 2000 });
    const page = await dl.list({}, undefined, 50, {});
    assert.deepEqual(
      page.items.map((i) => i.id),
      [b.id, c.id, a.id],
    );
    assert.equal(page.next, null);
    assert.deepEqual(page.items[2], {
      id: a.id,
      messageId: a.d.id,
      route: 'email.notice',
      templateId: 1,
      receiver: 'a@x.com',
      reason: 'SMTP_550',
      lastError: '550 mailbox unavailable',
      attempts: 5,
      at: new Date(T0 + 1000).toISOString(),
      appId: 2,
    });
    assert.equal(page.items[0]!.appId, null, 'a platform send has no app');

    const detail = await dl.get(a.id, {});
    assert.equal(detail?.state, 'failed');
    assert.equal(detail?.requestId, 'req-1');
    assert.equal(detail?.channel, 'email');
    assert.deepEqual(detail?.variables, {});
    assert.equal(await dl.get('email.notice:1-0', {}), undefined);
    assert.equal(await dl.get('garbage', {}), undefined);
  });

  test('filters: route, template, reason, app, and a time range (from inclusive, to exclusive)', async () => {
    const x1 = await deadLetter({ templateId: 3, appId: 2 }, { at: T0 + 100, reason: 'SMTP_550' });
    const x2 = await deadLetter({ templateId: 3, appId: 4 }, { at: T0 + 200, reason: 'SMTP_451' });
    const x3 = await deadLetter({ templateId: 5, appId: 2 }, { at: T0 + 300, reason: 'SMTP_550' });
    const x4 = await deadLetter({ channel: 'webhook', templateId: 3, appId: 2 }, { at: T0 + 400 });
    const ids = async (f: Parameters<DeadLetters['list']>[0], appId?: number) =>
      (await dl.list(f, undefined, 50, { appId })).items.map((i) => i.id);
    assert.deepEqual(await ids({ route: 'webhook.notice' }), [x4.id]);
    assert.deepEqual(await ids({ templateId: 3 }), [x4.id, x2.id, x1.id]);
    assert.deepEqual(await ids({ reason: 'SMTP_451' }), [x2.id]);
    assert.deepEqual(await ids({ appId: 4 }), [x2.id]);
    assert.deepEqual(await ids({ from: T0 + 200, to: T0 + 400 }), [x3.id, x2.id]);
    assert.deepEqual(await ids({ to: T0 + 101 }), [x1.id]);
    // An app sees only its own, whatever app id it names.
    assert.deepEqual(await ids({}, 2), [x4.id, x3.id, x1.id]);
    assert.deepEqual(await ids({ appId: 4 }, 2), [x4.id, x3.id, x1.id]);
    assert.deepEqual(await ids({}, 99), []);
  });

  test('the cursor pages through everything exactly once, same-millisecond ids in several routes included', async () => {
    const routes = ['email', 'sms', 'webhook'] as const;
    const want: string[] = [];
    for (let i = 0; i < 40; i++)
      for (const channel of routes) {
        // Every route uses the very same ids: ties are broken by route.
        const { id } = await deadLetter({ channel }, { at: T0 + Math.floor(i / 2), seq: i % 2 });
        want.push(id);
      }
    // Newest first; on one id, routes in the order email, sms, webhook.
    const key = (id: string) => {
      const ref = parseDeadLetterId(id)!;
      const [ms, seq] = ref.entryId.split('-').map(Number) as [number, number];
      return [-ms, -seq, routes.indexOf(ref.route.split('.')[0] as (typeof routes)[number])];
    };
    const sorted = [...want].sort((x, y) => {
      const [a, b] = [key(x), key(y)];
      return a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
    });
    for (const limit of [1, 7, 50, 120, 500]) {
      const { ids, pages } = await allPages({}, limit);
      assert.deepEqual(ids, sorted, `limit ${limit}`);
      assert.ok(pages <= Math.ceil(120 / limit) + 1, `limit ${limit}: ${pages} pages`);
    }
    const { ids } = await allPages({ route: 'sms.notice', from: T0 + 5, to: T0 + 10 }, 3);
    assert.deepEqual(
      ids,
      sorted.filter((id) => {
        const ref = parseDeadLetterId(id)!;
        const ms = Number(ref.entryId.split('-')[0]);
        return ref.route === 'sms.notice' && ms >= T0 + 5 && ms < T0 + 10;
      }),
    );
  });

  test('a filtered listing over long streams costs bounded reads per page and still finds every match', async () => {
    // 1,300 dead letters in one route, every 100th of template 7; 3 more in another route.
    const pipe = r.redis.pipeline();
    const want: string[] = [];
    for (let i = 0; i < 1300; i++) {
      const d = testDelivery({ templateId: i % 100 === 0 ? 7 : 1 });
      const entryId = `${T0 + i}-0`;
      pipe.xadd(r.keys.deadLetters('sandbox.notice'), entryId, ...encodeDelivery(d), 'dlq_reason', 'X');
      if (i % 100 === 0) want.push(`sandbox.notice:${entryId}`);
    }
    for (let i = 0; i < 3; i++) {
      const entryId = `${T0 + 650 + i}-0`;
      pipe.xadd(
        r.keys.deadLetters('email.notice'),
        entryId,
        ...encodeDelivery(testDelivery({ templateId: 7, channel: 'email' })),
        'dlq_reason',
        'X',
      );
      want.push(`email.notice:${entryId}`);
    }
    await pipe.exec();
    const sorted = want.sort(
      (a, b) => Number(b.split(':')[1]!.split('-')[0]) - Number(a.split(':')[1]!.split('-')[0]),
    );
    const { ids, pages } = await allPages({ templateId: 7 }, 50);
    assert.deepEqual(ids, sorted);
    assert.ok(
      pages >= Math.ceil(1300 / SCAN_PER_ROUTE),
      `${pages} pages: each reads at most ${SCAN_PER_ROUTE} per route`,
    );
    const first = await dl.list({ templateId: 7 }, undefined, 50, {});
    assert.ok(
      first.items.length < sorted.length && first.next,
      'the first page stops where its read stopped',
    );
  });

  test('replay by ids: `replayed` in the timeline and events, back on the stream with attempt 1, no pin, no dlq fields; once', async () => {
    const { d, id } = await deadLetter({ pinnedAccountId: 3, appId: 2 });
    assert.deepEqual(await dl.replay({ ids: [id] }, {}), { replayed: 1 });
    assert.equal(await dlqLength('sandbox.notice'), 0);
    const [entry, ...more] = await streamEntries('sandbox.notice');
    assert.equal(more.length, 0);
    const { dlq_reason, dlq_message, pin, att, ...rest } = { ...fieldsToRecord(encodeDelivery(d)), ...entry };
    assert.equal(entry!.att, '1');
    assert.equal(entry!.pin, undefined);
    assert.equal(entry!.dlq_reason, undefined);
    assert.equal(entry!.dlq_message, undefined);
    assert.deepEqual({ ...entry, att: undefined }, { ...rest, att: undefined });
    const rec = (await ledger.record(d.id))!;
    assert.equal(rec.st, 'replayed');
    assert.equal(rec.fin, undefined, 'the record takes attempts again');
    assert.equal(rec.rp, id);
    assert.equal(await ledger.ended(d.id), undefined);
    const begin = await ledger.begin({ ...d, attempt: 1 }, 'h1', Date.now());
    assert.equal(begin.kind, 'go', 'a replayed message is sent again');
    const states = (await events(d.id)).map((e) => e.state);
    assert.deepEqual(states, ['accepted', 'failed', 'dead_lettered', 'replayed']);
    const replayed = (await events(d.id)).at(-1)!;
    assert.equal(replayed.appId, 2);
    assert.match(replayed.reason, /SMTP_550.*admin/);
    const trace = await readTrace({ redis: r.redis, keys: r.keys, partitions: N }, d.id);
    assert.equal(trace?.timeline.at(-1)?.state, 'replayed');

    assert.deepEqual(await dl.replay({ ids: [id] }, {}), { replayed: 0 }, 'the same id again');
    assert.equal((await streamEntries('sandbox.notice')).length, 1);
    assert.equal((await events(d.id)).filter((e) => e.state === 'replayed').length, 1);
  });

  test('two replays of the same dead letters at once put each back once', async () => {
    const made = await Promise.all(Array.from({ length: 30 }, () => deadLetter()));
    const ids = made.map((m) => m.id);
    const results = await Promise.all([
      dl.replay({ ids }, {}),
      dl.replay({ ids: [...ids].reverse() }, {}),
      dl.replay({ filter: {} }, {}),
    ]);
    assert.equal(
      results.reduce((n, x) => n + x.replayed, 0),
      30,
    );
    const entries = await streamEntries('sandbox.notice');
    assert.equal(entries.length, 30);
    assert.equal(new Set(entries.map((e) => e.id)).size, 30);
    for (const m of made)
      assert.equal((await events(m.d.id)).filter((e) => e.state === 'replayed').length, 1, m.d.id);
  });

  test('a crash after the ledger step leaves it replayable; the replay then moves it without a second `replayed`', async () => {
    const { d, id } = await deadLetter();
    // The first half of a replay: the ledger reopened it, the move never happened.
    assert.equal(await ledger.replay(d, id, 'x'), 'replayed');
    assert.equal(await dlqLength('sandbox.notice'), 1);
    assert.equal((await dl.list({}, undefined, 10, {})).items.length, 1, 'still listed');
    assert.deepEqual(await dl.replay({ ids: [id] }, {}), { replayed: 1 });
    assert.equal((await streamEntries('sandbox.notice')).length, 1);
    assert.equal((await events(d.id)).filter((e) => e.state === 'replayed').length, 1);
  });

  test('a message dead-lettered twice (a duplicate entry) records one `replayed`', async () => {
    const { d } = await deadLetter();
    await r.redis.xadd(
      r.keys.deadLetters('sandbox.notice'),
      '*',
      ...encodeDelivery(d),
      'dlq_reason',
      'FAILED',
    );
    await dl.replay({ filter: {} }, {});
    assert.equal(await dlqLength('sandbox.notice'), 0);
    assert.equal((await events(d.id)).filter((e) => e.state === 'replayed').length, 1);
    // Both entries are back; attempt-begin.lua lets only one of them call the provider.
    const [first, second] = await Promise.all([
      ledger.begin({ ...d, attempt: 1 }, 'h1', Date.now()),
      ledger.begin({ ...d, attempt: 1 }, 'h2', Date.now()),
    ]);
    assert.deepEqual([first.kind, second.kind].sort(), ['busy', 'go']);
  });

  test('a message that ended otherwise (sent) is not sent again; a malformed entry is skipped; an expired record is re-created', async () => {
    const sent = await deadLetter();
    await r.redis.hset(r.keys.attempt(partitionOf(sent.d.id, N), sent.d.id), 'st', 'sent', 'fin', '1');
    await r.redis.xadd(r.keys.deadLetters('sandbox.notice'), '*', 'junk', '1', 'dlq_reason', 'MALFORMED');
    const expired = await deadLetter({ receiver: 'gone@x.com', appId: 5, bizId: 'b-1' });
    await r.redis.del(r.keys.attempt(partitionOf(expired.d.id, N), expired.d.id));

    assert.deepEqual(await dl.replay({ filter: {} }, {}), { replayed: 1 });
    const entries = await streamEntries('sandbox.notice');
    assert.deepEqual(
      entries.map((e) => e.id),
      [expired.d.id],
    );
    assert.equal(await dlqLength('sandbox.notice'), 2, 'the sent one and the malformed one stay');
    assert.equal((await ledger.record(sent.d.id))?.st, 'sent');
    const rec = (await ledger.record(expired.d.id))!;
    assert.equal(rec.st, 'replayed');
    assert.equal(rec.rcv, 'gone@x.com');
    assert.equal(rec.app, '5');
    assert.equal(rec.biz, 'b-1');
    assert.equal(rec.tpl, '1');
  });

  test('an app replays, inspects and discards only its own; others answer as missing', async () => {
    const mine = await deadLetter({ appId: 2, templateId: 4 });
    const theirs = await deadLetter({ appId: 3, templateId: 4 });
    assert.equal(await dl.get(theirs.id, { appId: 2 }), undefined);
    assert.equal((await dl.get(mine.id, { appId: 2 }))?.messageId, mine.d.id);
    assert.deepEqual(await dl.replay({ ids: [theirs.id] }, { appId: 2 }), { replayed: 0 });
    assert.equal(await dl.discard(theirs.id, { appId: 2 }), false);
    assert.deepEqual(await dl.replay({ filter: { templateId: 4 } }, { appId: 2 }), { replayed: 1 });
    assert.deepEqual(
      (await streamEntries('sandbox.notice')).map((e) => e.id),
      [mine.d.id],
    );
    assert.equal((await ledger.record(theirs.d.id))?.st, 'failed', "the other app's message is untouched");
    assert.match((await events(mine.d.id)).at(-1)!.reason, /by app 2/);
    assert.equal(await dl.discard(theirs.id, { appId: 3 }), true);
    assert.equal(await dl.discard(theirs.id, {}), false, 'gone');
    assert.equal(await dlqLength('sandbox.notice'), 0);
  });

  test('replay by filter walks tens of thousands of dead letters page by page', async () => {
    const total = 20_000;
    const pipe = r.redis.pipeline();
    for (let i = 0; i < total; i++) {
      const d = testDelivery({ templateId: i % 2 ? 11 : 12, attempt: 3 });
      pipe.xadd(r.keys.deadLetters('sandbox.notice'), '*', ...encodeDelivery(d), 'dlq_reason', 'SMTP_451');
    }
    await pipe.exec();
    const started = Date.now();
    assert.deepEqual(await dl.replay({ filter: { templateId: 11 } }, {}), { replayed: total / 2 });
    const ms = Date.now() - started;
    assert.equal(await r.redis.xlen(r.keys.stream('sandbox.notice')), total / 2);
    assert.equal(await dlqLength('sandbox.notice'), total / 2);
    assert.deepEqual(await dl.replay({ filter: { route: 'sandbox.notice' } }, {}), { replayed: total / 2 });
    assert.equal(await dlqLength('sandbox.notice'), 0);
    assert.ok(total / 2 > REPLAY_PAGE * 10, 'many pages');
    console.log(`replayed ${total / 2} dead letters by filter in ${ms} ms`);
  });

  test('discard by the admin deletes it for good', async () => {
    const { id } = await deadLetter();
    assert.equal(await dl.discard(id, {}), true);
    assert.equal(await dl.get(id, {}), undefined);
    assert.deepEqual(await dl.replay({ ids: [id] }, {}), { replayed: 0 });
    assert.equal((await streamEntries('sandbox.notice')).length, 0);
  });
});
