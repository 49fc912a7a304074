import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countersCell, reportChecked, startChaos } from '../../pkg/testkit/chaos.ts';
import { type Accepted, runLoad } from '../../pkg/testkit/chaos-load.ts';
import { reportScenario } from '../../pkg/testkit/chaos-report.ts';
import { waitFor } from '../../pkg/testkit/testkit.ts';

/** The platform's processes on a private Redis the test restarts. */
async function world(name: string, persistence: 'always' | 'everysec') {
  const w = await startChaos(name, { persistence });
  await w.spawn('ingest');
  await Promise.all([
    w.spawn('handler', 0),
    w.spawn('handler', 1),
    w.spawn('aggregator'),
    w.spawn('scheduler'),
  ]);
  const load = runLoad({
    bases: w.bases,
    apiKey: w.apiKey,
    templateId: w.templateId,
    receiverOf: w.receiverOf,
    requests: 10_000,
    perRequest: 10,
    concurrency: 4,
    pauseMs: 100,
    keyPrefix: name,
  });
  let failed: unknown;
  load.done.catch((err) => {
    failed = err;
  });
  /** Waits until the provider got `n` more calls than now (fails at once when the load failed). */
  const progress = async (n: number) => {
    const mark = w.rx.received.length;
    await waitFor(
      `${n} more sends`,
      () => {
        if (failed) throw failed;
        return w.rx.received.length >= mark + n;
      },
      120_000,
      10,
    ).catch((err) => {
      const statuses = JSON.stringify(Object.fromEntries(load.result.statuses));
      throw new Error(`${(err as Error).message} (answers ${statuses})\n${w.output()}`);
    });
  };
  return { w, load, progress };
}

/** Whether a message's ledger record exists (its acceptance survived in Redis). */
const recorded = async (w: Awaited<ReturnType<typeof world>>['w'], id: string) =>
  (await w.core.ledger.record(id)) !== undefined;

describe('chaos: Redis restarted mid-run', () => {
  // Runs and reports every time, but its failure does not fail the suite yet: one CI run in three
  // lost 6 deliveries (5 of them ids of one request's first time) across the restart, neither sent
  // nor dead-lettered 90 s later. The cause is not found yet; an open defect, see the issue 16 note.
  const KNOWN_LOSS = 'open defect: a Redis restart under load once lost 6 acknowledged deliveries';
  test('appendfsync always: SHUTDOWN NOSAVE and SIGKILL mid-run lose nothing acknowledged, send nothing twice', {
    todo: KNOWN_LOSS,
  }, async () => {
    const { w, load, progress } = await world('redis-always', 'always');
    try {
      await progress(200);
      await w.redis.shutdownNosave();
      await w.redis.start();
      await progress(200);
      await w.redis.crash();
      await w.redis.start();
      await progress(100);
      load.stop();
      const loaded = await load.done;
      const c = await w.settleAndCheck(loaded.accepted);
      const d = c.deliveries;
      reportChecked(
        'Redis SHUTDOWN NOSAVE + SIGKILL, appendfsync always',
        c,
        `${loaded.retries} client retries (${JSON.stringify(Object.fromEntries(loaded.statuses))})`,
      );
      assert.equal(loaded.abandoned, 0, 'a client request never got its 202');
      // What the ledger says of each lost one, for the diagnosis of the open defect.
      const records = await Promise.all(
        d.lost.slice(0, 20).map(async (id) => [id, await w.core.ledger.record(id)]),
      );
      assert.deepEqual(
        d.lost.slice(0, 5),
        [],
        `${d.lost.length} acknowledged deliveries lost; their records: ${JSON.stringify(records)}`,
      );
      assert.deepEqual(
        d.duplicated.filter((id) => !d.inDoubt.includes(id)).slice(0, 5),
        [],
        'sent twice without an in-doubt resend marked in the timeline',
      );
      assert.deepEqual(d.incomplete.slice(0, 5), [], 'incomplete timelines');
      assert.equal(d.unacknowledged, 0, 'the provider got messages no 202 named');
      assert.deepEqual(c.counters.diff.slice(0, 10), [], 'counters differ from the event streams');
      assert.deepEqual(c.pending, {}, 'entries left pending');
    } finally {
      await w.close();
    }
  });

  test('appendfsync everysec: SIGKILL under load loses at most the last ~1–2 s of acknowledgements (measured)', async () => {
    const { w, load, progress } = await world('redis-everysec', 'everysec');
    try {
      await progress(300);
      const killedAt = Date.now();
      await w.redis.crash();
      // What was acknowledged before the crash, and which of those Redis no longer knows.
      const before = new Map([...load.result.accepted].filter(([, a]) => a.at <= killedAt));
      await w.redis.start();
      const gone = new Set<string>();
      for (const id of before.keys()) if (!(await recorded(w, id))) gone.add(id);
      await progress(100);
      load.stop();
      const loaded = await load.done;
      const kept = new Map<string, Accepted>([...loaded.accepted].filter(([id]) => !gone.has(id)));
      const c = await w.settleAndCheck(kept);
      const d = c.deliveries;
      const got = new Set(w.receivedIds());
      const lostAt = [...gone].map((id) => before.get(id)!.at);
      const lostUnsent = [...gone].filter((id) => !got.has(id)).length;
      const windowMs = lostAt.length ? killedAt - Math.min(...lostAt) : 0;
      const spanMs = lostAt.length ? Math.max(...lostAt) - Math.min(...lostAt) : 0;
      reportScenario({
        scenario: 'Redis SIGKILL, appendfsync everysec',
        accepted: loaded.accepted.size,
        sent: d.sent,
        deadLettered: d.deadLettered,
        lost: d.lost.length,
        duplicated: d.duplicated.length - d.inDoubt.length,
        inDoubt: d.inDoubt.length,
        counters: countersCell(c.counters),
        notes:
          `loss window: ${gone.size} acknowledged deliveries gone with the crash (${lostUnsent} never sent), ` +
          `accepted within ${windowMs} ms before the SIGKILL (span ${spanMs} ms); ` +
          `${d.duplicated.length} sent twice after the crash (their sent records were in the lost second)`,
      });
      console.log(
        `# everysec: ${gone.size} gone, window ${windowMs} ms, span ${spanMs} ms, ${d.duplicated.length} twice`,
      );
      assert.ok(windowMs <= 2500, `the loss window is ${windowMs} ms, more than fsync every second allows`);
      assert.equal(loaded.abandoned, 0, 'a client request never got its 202');
      assert.deepEqual(d.lost.slice(0, 5), [], 'deliveries that survived the crash and were never sent');
      assert.deepEqual(d.incomplete.slice(0, 5), [], 'incomplete timelines');
      assert.deepEqual(c.counters.diff.slice(0, 10), [], 'counters differ from the event streams');
      assert.deepEqual(c.pending, {}, 'entries left pending');
    } finally {
      await w.close();
    }
  });
});
