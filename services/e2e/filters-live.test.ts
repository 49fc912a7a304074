import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomTag, waitFor } from '../../pkg/testkit/testkit.ts';
import { type FilterStack, maxOverlap, startFilterStack } from './filters-harness.ts';

/** One provider call as the events show it: from `sending` to `sent`, by which handler. */
type Send = { id: string; start: number; end: number; consumer: string };

/**
 * Live config reaching running handlers (issue 5): `PUT /v1/admin/config` changes the
 * concurrency and the discard list of two running handler processes within 5 s, without restart.
 */
describe('live config changes reach running handlers', () => {
  let s: FilterStack;
  let tpl: number;
  const tag = randomTag();
  const LATENCY = 200;

  /** The provider calls of `ids`, from the event streams and the ledger's consumer. */
  async function sendsOf(ids: readonly string[]): Promise<Send[]> {
    await s.events.refresh();
    return Promise.all(
      ids.map(async (id) => {
        const ev = s.events.of(id);
        // No `sending` event: the sandbox's call takes exactly LATENCY ms before its `sent`.
        const end = ev.find((e) => e.state === 'sent')?.at;
        const start = end === undefined ? undefined : end - LATENCY;
        assert.ok(start && end, `message ${id} was not sent: ${s.events.states(id).join(',')}`);
        return { id, start, end, consumer: (await s.core.ledger.record(id))!.c! };
      }),
    );
  }

  /** Most calls in flight at once within one handler, and across all of them. */
  function parallelism(sends: readonly Send[]): { perHandler: number; total: number } {
    const by = new Map<string, [number, number][]>();
    for (const x of sends) {
      if (!by.has(x.consumer)) by.set(x.consumer, []);
      by.get(x.consumer)!.push([x.start, x.end]);
    }
    return {
      perHandler: Math.max(0, ...[...by.values()].map(maxOverlap)),
      total: maxOverlap(sends.map((x) => [x.start, x.end])),
    };
  }

  const delivered = () => s.r.redis.llen(s.core.keys.sandboxInbox());

  before(async () => {
    s = await startFilterStack({ env: { HANDLER_CONCURRENCY: '8' } });
    const acct = await s.core.repos.accounts.create({
      name: 'slow sandbox',
      channel: 'sandbox',
      provider: 'sandbox',
      config: { latencyMs: LATENCY },
    });
    tpl = (
      await s.core.repos.templates.create({
        name: 'notice',
        channel: 'sandbox',
        messageType: 'notice',
        accountId: acct.id,
        content: { text: 'Hello {$name}' },
        appId: s.app.id,
      })
    ).id;
    await s.spawnHandlers(2);
  });

  after(async () => {
    await s?.close();
  });

  test('concurrency for sandbox.notice lowered to 1, then raised to 20, while a backlog runs', async () => {
    const ids = await s.send(
      tpl,
      Array.from({ length: 180 }, (_, i) => `c${i}-${tag}`),
      { name: 'Ann' },
    );
    // Running at the default of 8 per handler…
    await waitFor('a first part delivered', async () => (await delivered()) >= 24, 20_000, 10);
    const lowered = Date.now();
    await s.putConfig({ concurrency: { 'sandbox.notice': 1 } }, { sync: false });
    const atLowering = await delivered();
    // …then at 1 per handler (10/s over two handlers with 200 ms calls) for about 9 s…
    await waitFor(
      'more of the backlog at concurrency 1',
      async () => (await delivered()) >= atLowering + 100,
      30_000,
      20,
    );
    const raised = Date.now();
    await s.putConfig({ concurrency: { 'sandbox.notice': 20 } }, { sync: false });
    // …and the rest at up to 20 per handler.
    await s.settled(ids, 10_000);
    const done = Date.now();
    const sends = await sendsOf(ids);

    const before = parallelism(sends.filter((x) => x.start < lowered));
    assert.ok(before.perHandler >= 4, `before: ${JSON.stringify(before)}`);

    const slow = sends.filter((x) => x.start >= lowered + 5000 && x.start < raised);
    const atOne = parallelism(slow);
    assert.ok(slow.length >= 15, `only ${slow.length} sends between 5 s after lowering and raising`);
    assert.equal(atOne.perHandler, 1, `concurrency 1: ${JSON.stringify(atOne)}`);
    assert.ok(atOne.total <= 2, `two handlers at concurrency 1: ${JSON.stringify(atOne)}`);
    // When it really took effect: the first instant after which every send ran alone in its handler.
    const between = sends
      .filter((x) => x.start >= lowered && x.start < raised)
      .sort((a, b) => a.start - b.start);
    let from = between.length;
    while (from > 0 && parallelism(between.slice(from - 1)).perHandler <= 1) from--;
    const tookMs = from < between.length ? between[from]!.start - lowered : Number.NaN;
    assert.ok(tookMs <= 5000, `concurrency 1 took effect after ${tookMs} ms`);

    const fast = sends.filter((x) => x.start >= raised);
    const at20 = parallelism(fast);
    assert.ok(at20.perHandler >= 10, `concurrency 20: ${JSON.stringify(at20)}`);
    assert.ok(at20.perHandler <= 20, `concurrency 20: ${JSON.stringify(at20)}`);
    assert.ok(done - raised < 5000, `the rest took ${done - raised} ms after raising`);
    console.log(
      `# concurrency: before ${before.perHandler}/handler; lowered to 1 effective after ${tookMs} ms; ` +
        `raised to 20: ${at20.perHandler}/handler, ${fast.length} sends in ${done - raised} ms`,
    );
  });

  test('a template added to the discard list is discarded within 5 s, and sent again once removed', async () => {
    /** Sends one probe every 100 ms until one ends in `state`; returns ms from `since` to that probe's send. */
    const probeUntil = async (state: string, since: number): Promise<number> => {
      const probes: { id: string; at: number }[] = [];
      for (let i = 0; ; i++) {
        const at = Date.now();
        const [id] = await s.send(tpl, [`probe-${state}-${i}-${tag}`], { name: 'Ann' });
        probes.push({ id: id!, at });
        const states = await s.ledgerStates(probes.map((p) => p.id));
        const hit = states.indexOf(state);
        if (hit >= 0) return probes[hit]!.at - since;
        if (Date.now() - since > 8000) assert.fail(`no probe ${state} within 8 s`);
        await sleep(100);
      }
    };

    const put = Date.now();
    await s.putConfig({ concurrency: { 'sandbox.notice': 20 }, discardTemplateIds: [tpl] }, { sync: false });
    const discardAfter = await probeUntil('discarded', put);
    assert.ok(discardAfter <= 5000, `discarded only ${discardAfter} ms after the change`);
    const ids = await s.send(
      tpl,
      Array.from({ length: 20 }, (_, i) => `off${i}-${tag}`),
      { name: 'Ann' },
    );
    await s.settled(ids);
    assert.deepEqual(new Set(await s.ledgerStates(ids)), new Set(['discarded']));
    await s.events.refresh();
    for (const id of ids) assert.deepEqual(s.events.states(id), ['accepted', 'discarded']);
    const inbox = new Set((await s.inbox()).map((i) => i.messageId));
    assert.ok(!ids.some((id) => inbox.has(id)), 'a discarded delivery reached the sandbox');

    const back = Date.now();
    await s.putConfig({ concurrency: { 'sandbox.notice': 20 }, discardTemplateIds: [] }, { sync: false });
    const sentAfter = await probeUntil('sent', back);
    assert.ok(sentAfter <= 5000, `sent again only ${sentAfter} ms after the change`);
    const again = await s.send(
      tpl,
      Array.from({ length: 10 }, (_, i) => `on${i}-${tag}`),
      { name: 'Ann' },
    );
    await s.settled(again);
    assert.deepEqual(new Set(await s.ledgerStates(again)), new Set(['sent']));
    console.log(`# discard list: effective after ${discardAfter} ms, lifted after ${sentAfter} ms`);
  });
});
