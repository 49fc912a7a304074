import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomTag, waitFor } from '../../pkg/testkit/testkit.ts';
import { type ConfigBody, type FilterStack, startFilterStack } from './filters-harness.ts';

/** Local `HH:MM` of an instant in a zone (Intl only, independent of the code under test). */
function hhmm(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('hour')}:${get('minute')}`;
}

/**
 * The filter chain end to end (issue 5): ingest → Redis → two handler processes → sandbox, with
 * the live config changed through `PUT /v1/admin/config`. Each filter lets through what it
 * should and stops what it should, with the right state in the message's events.
 */
describe('filter chain through running handlers', () => {
  let s: FilterStack;
  const tag = randomTag();
  const rcv = (name: string) => `${name}-${tag}`;
  let on: number; // a plain template, never filtered by template
  let off: number; // the template the discard list switches off
  let shieldDrop: number;
  let shieldDelay: number;
  let authTpl: number;
  // Quiet hours are judged in this zone (the templates'), not in the platform's (UTC here).
  const ZONE = 'Asia/Kathmandu'; // +05:45: local minutes differ from UTC's
  let cfg: ConfigBody = {};
  /** Shield-delayed messages and the instant their quiet window ends (checked in the last test). */
  let delayed: { ids: string[]; windowEnd: number } | undefined;

  const put = async (patch: ConfigBody) => {
    cfg = { ...cfg, ...patch };
    return s.putConfig(cfg);
  };
  const inboxIds = async () => new Set((await s.inbox()).map((i) => i.messageId));

  before(async () => {
    s = await startFilterStack({ env: { TIMEZONE: 'UTC', HANDLER_CONCURRENCY: '16' } });
    const acct = await s.core.repos.accounts.create({
      name: 'sb',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    const tpl = async (name: string, extra: Record<string, unknown> = {}) =>
      (
        await s.core.repos.templates.create({
          name,
          channel: 'sandbox',
          messageType: 'notice',
          accountId: acct.id,
          content: { text: 'Hello {$name}' },
          appId: s.app.id,
          ...extra,
        })
      ).id;
    on = await tpl('on');
    off = await tpl('off');
    shieldDrop = await tpl('quiet drop', { shield: 'drop', timezone: ZONE });
    shieldDelay = await tpl('quiet delay', { shield: 'delay', timezone: ZONE });
    authTpl = await tpl('login code', { messageType: 'auth', shield: 'drop', timezone: ZONE });
    await s.spawnHandlers(2);
  });

  after(async () => {
    await s?.close();
  });

  test('discard: a switched-off template ends as discarded, others are sent', async () => {
    await put({ discardTemplateIds: [off] });
    const dropped = await s.send(off, [rcv('d1'), rcv('d2')], { name: 'Ann' });
    const [sent] = await s.send(on, [rcv('d3')], { name: 'Ann' });
    await s.settled([...dropped, sent!]);
    assert.deepEqual(await s.ledgerStates(dropped), ['discarded', 'discarded']);
    assert.deepEqual(await s.ledgerStates([sent!]), ['sent']);
    await s.events.refresh();
    for (const id of dropped) {
      assert.deepEqual(s.events.states(id), ['accepted', 'discarded']);
      assert.match(s.events.of(id)[1]!.reason, new RegExp(`template ${off} is switched off`));
    }
    assert.deepEqual(s.events.states(sent!), ['accepted', 'sent']);
    const inbox = await inboxIds();
    assert.ok(inbox.has(sent!));
    assert.ok(!dropped.some((id) => inbox.has(id)), 'a discarded message reached the sandbox');
  });

  test('whitelist: only listed receivers get messages while it is enabled', async () => {
    await put({ whitelist: { enabled: true, receivers: [rcv('vip')] } });
    const [vip, other] = await s.send(on, [rcv('vip'), rcv('other')], { name: 'Ann' });
    await s.settled([vip!, other!]);
    assert.deepEqual(await s.ledgerStates([vip!, other!]), ['sent', 'blocked_whitelist']);
    await s.events.refresh();
    assert.deepEqual(s.events.states(other!), ['accepted', 'blocked_whitelist']);
    assert.match(s.events.of(other!)[1]!.reason, /whitelist/);

    await put({ whitelist: { enabled: false, receivers: [] } });
    const [again] = await s.send(on, [rcv('other')], { name: 'Ann' });
    await s.settled([again!]);
    assert.deepEqual(await s.ledgerStates([again!]), ['sent'], 'whitelist off: everyone gets messages again');
  });

  test('quiet hours: drop ends as shield_dropped, delay parks as shield_delayed, auth and shield=none pass', async () => {
    // Windows are whole local minutes and every zone's offset is whole minutes, so the window
    // ends at the next minute boundary; leave enough time before it to run the sends.
    const toBoundary = 60_000 - (Date.now() % 60_000);
    if (toBoundary < 4000) await sleep(toBoundary + 50);
    const now = Date.now();
    const windowEnd = now - (now % 60_000) + 60_000;
    // Quiet in ZONE from its current minute to the next; the platform zone (UTC) is not quiet.
    await put({ quietHours: { start: hhmm(now, ZONE), end: hhmm(windowEnd, ZONE), timezone: 'UTC' } });

    const [drop] = await s.send(shieldDrop, [rcv('q-drop')], { name: 'Ann' });
    const delay = await s.send(shieldDelay, [rcv('q-delay1'), rcv('q-delay2')], { name: 'Ann' });
    // The receiver's own zone wins over the template's: not quiet in UTC now.
    const [receiverZone] = await s.send(shieldDelay, [rcv('q-utc')], { name: 'Ann' }, { timezone: 'UTC' });
    const [auth] = await s.send(authTpl, [rcv('q-auth')], { name: 'Ann' });
    const [none] = await s.send(on, [rcv('q-none')], { name: 'Ann' });
    await s.settled([drop!, receiverZone!, auth!, none!]);
    await s.settled(delay, 10_000, ['shield_delayed']);
    assert.ok(Date.now() < windowEnd - 200, 'the test ran past the quiet window it set up; rerun');

    assert.deepEqual(await s.ledgerStates([drop!, receiverZone!, auth!, none!]), [
      'shield_dropped',
      'sent',
      'sent',
      'sent',
    ]);
    await s.events.refresh();
    assert.deepEqual(s.events.states(drop!), ['accepted', 'shield_dropped']);
    assert.match(s.events.of(drop!)[1]!.reason, new RegExp(`quiet hours .* ${ZONE}`));
    assert.deepEqual(s.events.states(auth!), ['accepted', 'sent'], 'verification codes are never shielded');
    for (const id of delay) {
      assert.deepEqual(s.events.states(id), ['accepted', 'shield_delayed']);
      assert.match(s.events.of(id)[1]!.reason, new RegExp(ZONE));
    }
    const inbox = await inboxIds();
    assert.ok(!inbox.has(drop!) && !delay.some((id) => inbox.has(id)), 'a shielded message was sent');
    assert.ok(inbox.has(auth!) && inbox.has(receiverZone!) && inbox.has(none!));
    // Parked until the window's end, in the route's delayed set.
    const scores = await s.r.redis.zrange(s.core.keys.delayed('sandbox.notice'), 0, -1, 'WITHSCORES');
    const dues = scores.filter((_, i) => i % 2 === 1).map(Number);
    assert.equal(dues.filter((d) => d === windowEnd).length, 2, `delayed set: ${scores.join(' ')}`);
    delayed = { ids: delay, windowEnd };
  });

  test('content dedup: the same content to the same receiver within the window is sent once', async () => {
    await put({ dedup: { contentWindowSec: 60, frequency: { limit: 0 } } });
    const [first] = await s.send(on, [rcv('c1')], { name: 'Ann' });
    await s.settled([first!]);
    const [copy] = await s.send(on, [rcv('c1')], { name: 'Ann' });
    const [otherContent] = await s.send(on, [rcv('c1')], { name: 'Bob' });
    const [otherReceiver] = await s.send(on, [rcv('c2')], { name: 'Ann' });
    await s.settled([copy!, otherContent!, otherReceiver!]);
    assert.deepEqual(await s.ledgerStates([first!, copy!, otherContent!, otherReceiver!]), [
      'sent',
      'dedup_content',
      'sent',
      'sent',
    ]);
    await s.events.refresh();
    assert.deepEqual(s.events.states(copy!), ['accepted', 'dedup_content']);
    assert.match(s.events.of(copy!)[1]!.reason, new RegExp(first!));
  });

  test('frequency cap: at most `limit` messages per receiver per day, then dedup_frequency', async () => {
    await put({ dedup: { contentWindowSec: 0, frequency: { limit: 2, per: 'day' } } });
    // Four at once to one receiver (concurrently through both handlers), one to another.
    const capped = await s.send(on, [rcv('f1'), rcv('f1'), rcv('f1'), rcv('f1')], { name: 'Ann' });
    const [free] = await s.send(on, [rcv('f2')], { name: 'Ann' });
    await s.settled([...capped, free!]);
    const states = await s.ledgerStates(capped);
    assert.equal(states.filter((x) => x === 'sent').length, 2, states.join());
    assert.equal(states.filter((x) => x === 'dedup_frequency').length, 2, states.join());
    assert.deepEqual(await s.ledgerStates([free!]), ['sent']);
    await s.events.refresh();
    const dropped = capped.filter((_, i) => states[i] === 'dedup_frequency');
    for (const id of dropped) {
      assert.deepEqual(s.events.states(id), ['accepted', 'dedup_frequency']);
      assert.match(s.events.of(id)[1]!.reason, /limit 2/);
    }
    assert.equal((await s.inbox()).filter((i) => i.receiver === rcv('f1')).length, 2);

    // A rolling window lets the receiver have messages again once it has passed.
    await put({ dedup: { contentWindowSec: 0, frequency: { limit: 1, per: 'window', windowSec: 2 } } });
    const [w1, w2] = await s.send(on, [rcv('w'), rcv('w')], { name: 'Ann' });
    await s.settled([w1!, w2!]);
    assert.deepEqual((await s.ledgerStates([w1!, w2!])).sort(), ['dedup_frequency', 'sent']);
    await sleep(2100);
    const [w3] = await s.send(on, [rcv('w')], { name: 'Ann' });
    await s.settled([w3!]);
    assert.deepEqual(await s.ledgerStates([w3!]), ['sent']);
  });

  test('dedup under concurrency: 100 identical deliveries at once through 2 handlers send exactly one', async () => {
    await put({ dedup: { contentWindowSec: 300, frequency: { limit: 0 } } });
    const target = rcv('same');
    const ids = (
      await Promise.all(Array.from({ length: 10 }, () => s.send(on, Array(10).fill(target), { name: 'Ann' })))
    ).flat();
    assert.equal(new Set(ids).size, 100);
    await s.settled(ids);
    const states = await s.ledgerStates(ids);
    assert.equal(states.filter((x) => x === 'sent').length, 1, 'exactly one is sent');
    assert.equal(states.filter((x) => x === 'dedup_content').length, 99);
    const got = (await s.inbox()).filter((i) => i.receiver === target);
    assert.equal(got.length, 1, 'the sandbox received exactly one');
    assert.equal(got[0]!.messageId, ids[states.indexOf('sent')]);
  });

  test('shield-delayed messages are sent when the quiet window ends', async () => {
    assert.ok(delayed, 'the quiet-hours test parked nothing');
    const { ids, windowEnd } = delayed;
    await waitFor(
      'shield-delayed messages to be sent',
      async () => {
        const inbox = await s.inbox();
        return ids.every((id) => inbox.some((i) => i.messageId === id));
      },
      Math.max(0, windowEnd - Date.now()) + 10_000,
      50,
    );
    const items = (await s.inbox()).filter((i) => ids.includes(i.messageId));
    for (const i of items) {
      assert.ok(i.sentAt >= windowEnd, `sent ${windowEnd - i.sentAt} ms before the window ended`);
      assert.ok(i.sentAt < windowEnd + 2000, `sent ${i.sentAt - windowEnd} ms after the window ended`);
    }
    await s.settled(ids);
    await s.events.refresh();
    for (const id of ids) assert.deepEqual(s.events.states(id), ['accepted', 'shield_delayed', 'sent']);
  });
});
