import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ChaosWorld, reportChecked, startChaos } from '../../pkg/testkit/chaos.ts';
import type { Accepted } from '../../pkg/testkit/chaos-load.ts';
import { runLoad } from '../../pkg/testkit/chaos-load.ts';
import { waitFor } from '../../pkg/testkit/testkit.ts';

/** Rows of the crowd file the scheduler runs (1,000-row chunks): long enough to kill it mid-run. */
const ROWS = 5000;
const ROUNDS = 3;

/** A 6-field cron (seconds first) that fires once, at `at` (UTC, whole seconds). */
const cronAt = (at: number): string => {
  const d = new Date(at);
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`;
};

/**
 * SIGKILL, three rounds each, under load: a handler while it holds unacknowledged entries, the
 * aggregator, the scheduler in the middle of a crowd run, and one of two ingest instances while
 * clients send (they retry with their Idempotency-Key on the other). Each is restarted. After:
 * every accepted delivery sent exactly once (duplicates only as marked in-doubt resends), each
 * crowd receiver accepted once, timelines complete, counters equal to the event streams,
 * nothing pending.
 */
describe('chaos: SIGKILL of handler, aggregator, scheduler and ingest, repeatedly, under load', () => {
  let w: ChaosWorld;

  before(async () => {
    w = await startChaos('kill', { persistence: 'none', ingests: 2 });
    await Promise.all([w.spawn('ingest', 0), w.spawn('ingest', 1)]);
    await Promise.all([w.spawn('handler', 0), w.spawn('handler', 1)]);
    await Promise.all([w.spawn('aggregator'), w.spawn('scheduler')]);
  });

  after(() => w?.close());

  const admin = (path: string, init: RequestInit & { duplex?: 'half' } = {}) =>
    fetch(`${w.bases()[0]}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${w.env.ADMIN_TOKEN}`, ...(init.headers as Record<string, string>) },
    });

  /** Entries the `handlers` group has handed out and not acknowledged, per consumer. */
  const heldByConsumers = async (): Promise<number> => {
    const key = w.core.keys.stream('webhook.notice');
    const res = (await w.core.redis.call('XPENDING', key, 'handlers').catch(() => [0])) as [number];
    return Number(res[0]) || 0;
  };

  test('every acknowledged delivery is sent once; counters exact; nothing pending', async () => {
    // The campaign: a crowd file on its own template (same account), fired by cron.
    const crowdTpl = await w.core.repos.templates.create({
      name: 'chaos crowd',
      channel: 'webhook',
      messageType: 'notice',
      accountId: (await w.core.repos.templates.get(w.templateId))!.accountId,
      appId: w.appId,
      content: { body: { event: 'crowd', name: '{$name}' } },
    });
    const crowdReceiver = (i: number) => w.receiverOf(1_000_000 + i);
    let csv = 'receiver,name\n';
    for (let i = 0; i < ROWS; i++) csv += `${crowdReceiver(i)},User ${i}\n`;
    const up = await admin(`/v1/admin/templates/${crowdTpl.id}/crowd?filename=chaos.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    assert.equal(up.status, 201, await up.text());
    const runAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    await w.core.repos.templates.update(crowdTpl.id, { cron: cronAt(runAt) });

    // Clients keep sending until every round is done (stopped then), so each kill meets load.
    const load = runLoad({
      bases: w.bases,
      apiKey: w.apiKey,
      templateId: w.templateId,
      receiverOf: w.receiverOf,
      requests: 10_000,
      perRequest: 10,
      concurrency: 4,
      pauseMs: 100,
    });
    const sentSoFar = () => w.rx.received.length;
    const crowdRun = () => w.core.repos.crowdRuns.find(crowdTpl.id, runAt);
    let held = 0;
    let schedulerKills = 0;
    // The scheduler: killed each time the run has moved on by a chunk, while it is running.
    const schedulerRounds = (async () => {
      let done = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const run = await waitFor(
          'the crowd run to move on',
          async () => {
            const x = await crowdRun();
            return x && (x.status !== 'running' || x.chunksDone > done) ? x : undefined;
          },
          180_000,
          5,
        ).then((x) => x!);
        if (run.status !== 'running') return;
        done = run.chunksDone;
        await w.kill('scheduler');
        schedulerKills++;
        await w.spawn('scheduler');
      }
    })();
    // Awaited after the other rounds; a failure meanwhile must not surface as an unhandled rejection.
    schedulerRounds.catch(() => undefined);
    for (let round = 0; round < ROUNDS; round++) {
      const mark = sentSoFar();
      await waitFor(`round ${round}: progress`, () => sentSoFar() > mark + 150, 180_000, 20);
      // A handler with entries in hand (delivered to it, not acknowledged).
      held = Math.max(held, await waitFor('entries in flight', heldByConsumers, 30_000, 5));
      await w.kill('handler', round % 2);
      await w.kill('aggregator');
      await w.kill('ingest', 1);
      await Promise.all([w.spawn('handler', round % 2), w.spawn('aggregator'), w.spawn('ingest', 1)]);
    }
    await schedulerRounds;
    load.stop();
    const loaded = await load.done;
    const run = await waitFor(
      'the crowd run to finish',
      async () => {
        const x = await w.core.repos.crowdRuns.find(crowdTpl.id, runAt);
        return x && x.status !== 'running' ? x : undefined;
      },
      90_000,
      200,
    ).then((x) => x!);
    assert.deepEqual([run.status, run.accepted, run.rowsRead], ['done', ROWS, ROWS]);

    // The crowd's deliveries as accepted, from the ledger (one record per message id).
    const accepted = new Map<string, Accepted>(loaded.accepted);
    const perCrowdReceiver = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, found] = await w.core.redis.scan(
        cursor,
        'MATCH',
        `${w.core.keys.prefix}att:*`,
        'COUNT',
        2000,
      );
      cursor = next;
      for (const key of found) {
        const [tpl, rcv] = await w.core.redis.hmget(key, 'tpl', 'rcv');
        if (tpl !== String(crowdTpl.id) || !rcv) continue;
        accepted.set(key.slice(key.lastIndexOf(':') + 1), { receiver: rcv, at: run.startedAt });
        perCrowdReceiver.set(rcv, (perCrowdReceiver.get(rcv) ?? 0) + 1);
      }
    } while (cursor !== '0');
    assert.equal(perCrowdReceiver.size, ROWS, 'every crowd receiver accepted');
    assert.deepEqual(
      [...perCrowdReceiver].filter(([, n]) => n > 1).slice(0, 5),
      [],
      'a crowd receiver accepted twice',
    );

    const c = await w.settleAndCheck(accepted);
    const d = c.deliveries;
    reportChecked(
      `SIGKILL handler/aggregator/ingest ×${ROUNDS}, scheduler ×${schedulerKills} mid-run`,
      c,
      `load ${loaded.accepted.size} + crowd ${ROWS}; ${loaded.retries} client retries ` +
        `(${JSON.stringify(Object.fromEntries(loaded.statuses))}); up to ${held} entries held at a handler kill`,
    );
    assert.equal(loaded.abandoned, 0, 'a client request never got its 202');
    assert.ok(schedulerKills >= 2, `the scheduler was killed mid-run ${schedulerKills} times`);
    assert.ok((loaded.statuses.get(0) ?? 0) >= 1, 'no request was cut off by an ingest kill');
    assert.deepEqual(d.lost.slice(0, 5), [], `${d.lost.length} accepted deliveries lost\n${w.output()}`);
    assert.deepEqual(
      d.duplicated.filter((id) => !d.inDoubt.includes(id)).slice(0, 5),
      [],
      'sent twice without an in-doubt resend marked in the timeline',
    );
    assert.ok(d.inDoubt.length <= ROUNDS * 40, `${d.inDoubt.length} in-doubt resends`);
    assert.deepEqual(d.incomplete.slice(0, 5), [], 'incomplete timelines');
    assert.equal(d.unacknowledged, 0, 'the provider got messages no 202 named');
    assert.deepEqual(c.counters.diff.slice(0, 10), [], 'counters differ from the event streams');
    assert.deepEqual(c.pending, {}, 'entries left pending');
    assert.ok(c.settled && c.folded && c.idle);
  });
});
