import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { encodeMember } from '../bus/index.ts';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { type Core, openCore } from '../process/core.ts';
import { platformEnv } from '../testkit/platform.ts';
import { testDb, testRedis, waitFor } from '../testkit/testkit.ts';
import { schedulerKeys } from './keys.ts';
import { type Scheduler, type SchedulerOptions, startScheduler } from './scheduler.ts';

/**
 * The scheduler loop over real Redis and MariaDB, with an injected clock: cron runs of a template
 * are enqueued exactly once whatever happens to the leader.
 */
describe('scheduler (real Redis + MariaDB, injected clock)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let accountId: number;
  let appId: number;
  let clock = Date.now();
  const running: Scheduler[] = [];
  const stream = () => core.keys.stream('sandbox.notice');
  const skeys = () => schedulerKeys(core.keys);

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    const env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { TIMEZONE: 'UTC' });
    core = await openCore(withDevSecrets(loadConfig(env)), 'scheduler-test');
    accountId = (
      await core.repos.accounts.create({ name: 'sb', channel: 'sandbox', provider: 'sandbox', config: {} })
    ).id;
    appId = (await core.repos.apps.create({ name: 'shop' })).app.id;
  });

  after(async () => {
    for (const s of running) await s.stop();
    for (const c of [...core.closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  const start = (instance: string, opts: SchedulerOptions = {}) => {
    const s = startScheduler(core, {
      now: () => clock,
      tickMs: 40,
      leaseTtlMs: 900,
      mover: false,
      instance,
      ...opts,
    });
    running.push(s);
    return s;
  };

  /**
   * An active every-minute template of the app with a crowd of `n` receivers stored in chunks of
   * `chunkRows`; the clock is set just after it.
   */
  async function cronTemplate(name: string, n = 3, chunkRows = 1000) {
    const tpl = await core.repos.templates.create({
      name,
      channel: 'sandbox',
      messageType: 'notice',
      accountId,
      appId,
      content: { text: 'Hello {$name}' },
      cron: '* * * * *',
    });
    const rows = Array.from({ length: n }, (_, i) => ({
      receiver: `${name}-${i}@x.test`,
      variables: { name: `U${i}` },
    }));
    await core.repos.crowds.save({ templateId: tpl.id, filename: 'crowd.csv', rows, chunkRows });
    clock = Math.max(clock, tpl.updatedAt + 1);
    return tpl;
  }

  /** Stream entries of a template: receivers and message ids. */
  async function entriesOf(templateId: number) {
    const all = await r.redis.xrange(stream(), '-', '+');
    return all
      .map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]!]]))))
      .filter((e) => e.tpl === String(templateId));
  }

  const lastRun = async (id: number) => r.redis.hget(skeys().runs, `last:${id}`);
  const nextMinute = () => Math.floor(clock / 60_000) * 60_000 + 60_000;
  const stopAll = async () => {
    for (const s of running.splice(0)) await s.stop();
  };
  // A failed test must not leave its leader running: the next tests wait to lead.
  afterEach(stopAll);

  test('two schedulers: the run is due only once the clock passes the minute, and only the leader sends it', async () => {
    const tpl = await cronTemplate('two');
    const a = start('sched-a');
    const b = start('sched-b');
    await waitFor('a leader', () => a.isLeader() || b.isLeader());
    assert.equal(a.isLeader() && b.isLeader(), false, 'never two leaders');
    // Before the minute boundary nothing is due.
    const ticks = a.counters().ticks + b.counters().ticks;
    await waitFor('a few ticks', () => a.counters().ticks + b.counters().ticks > ticks + 6);
    assert.equal((await entriesOf(tpl.id)).length, 0);

    const runAt = nextMinute();
    clock = runAt + 1000;
    await waitFor('run recorded', async () => (await lastRun(tpl.id)) === String(runAt));
    const after1 = a.counters().ticks + b.counters().ticks;
    await waitFor('more ticks', () => a.counters().ticks + b.counters().ticks > after1 + 6);

    const entries = await entriesOf(tpl.id);
    assert.deepEqual(entries.map((e) => e.rcv).sort(), ['two-0@x.test', 'two-1@x.test', 'two-2@x.test']);
    assert.deepEqual(entries.map((e) => JSON.parse(e.vars!).name).sort(), ['U0', 'U1', 'U2']);
    assert.equal(new Set(entries.map((e) => e.id)).size, 3);
    for (const e of entries) assert.equal((await core.ledger.record(e.id!))?.st, 'accepted');
    // The messages belong to the template's app; the run's record says what it did.
    assert.deepEqual([...new Set(entries.map((e) => e.app))], [String(appId)]);
    const run = (await core.repos.crowdRuns.find(tpl.id, runAt))!;
    assert.deepEqual(
      [
        run.status,
        run.reason,
        run.appId,
        run.rowsTotal,
        run.rowsRead,
        run.accepted,
        run.rejected,
        run.skipped,
      ],
      ['done', null, appId, 3, 3, 3, 0, 0],
    );
    assert.deepEqual([run.chunksTotal, run.chunksDone], [1, 1]);
    assert.ok(run.finishedAt! >= run.startedAt);
    const [leader, other] = a.counters().deliveries ? [a, b] : [b, a];
    assert.equal(leader.counters().deliveries, 3);
    assert.equal(other.counters().deliveries, 0);
    assert.equal(leader.counters().runsCompleted, 1);

    // The next minute is another run; nothing in between.
    clock = runAt + 60_000 + 5;
    await waitFor('second run', async () => (await lastRun(tpl.id)) === String(runAt + 60_000));
    assert.equal((await entriesOf(tpl.id)).length, 6);
    await core.repos.templates.setStatus(tpl.id, 'paused');
    await stopAll();
  });

  test('a leader that loses its lease mid-run: the successor finishes the run, the late chunk is fenced off', async () => {
    const tpl = await cronTemplate('lost', 3, 1);
    const runAt = nextMinute();
    let hooked = false;
    const a = start('sched-a2', {
      beforeChunk: async ({ chunk }) => {
        if (chunk !== 1 || hooked) return;
        hooked = true;
        // A's lease lapses (a long pause, a partition) and B takes it over; A resumes only
        // after B finished the whole run, then tries to append chunk 1 anyway.
        await r.redis.set(skeys().lease, 'sched-b2', 'PX', 5000);
        await waitFor('B finished the run', async () => (await lastRun(tpl.id)) === String(runAt), 10_000);
      },
    });
    await waitFor('A leads', () => a.isLeader());
    const b = start('sched-b2');
    clock = runAt + 1;
    await waitFor('A done', () => hooked && !a.isLeader() && a.counters().chunksFenced >= 1, 10_000);

    const entries = await entriesOf(tpl.id);
    assert.deepEqual(entries.map((e) => e.rcv).sort(), ['lost-0@x.test', 'lost-1@x.test', 'lost-2@x.test']);
    assert.equal(a.counters().chunksWritten, 1, 'A appended chunk 0 only');
    assert.equal(b.counters().chunksWritten, 2, 'B resumed at chunk 1');
    assert.equal(b.counters().deliveries + a.counters().deliveries, 3);
    assert.equal(await r.redis.hget(skeys().runs, `cur:${tpl.id}`), null);
    const run = (await core.repos.crowdRuns.find(tpl.id, runAt))!;
    assert.deepEqual([run.status, run.accepted, run.rowsRead, run.chunksDone], ['done', 3, 3, 3]);
    await core.repos.templates.setStatus(tpl.id, 'paused');
    await stopAll();
  });

  test('a leader stopped mid-run hands over at once; the other resumes where it stopped', async () => {
    const tpl = await cronTemplate('stop', 3, 1);
    const runAt = nextMinute();
    let a: Scheduler | undefined;
    let stopping: Promise<void> | undefined;
    a = start('sched-a3', {
      beforeChunk: ({ chunk }) => {
        if (chunk === 1 && !stopping) stopping = a!.stop();
      },
    });
    await waitFor('A leads', () => a!.isLeader());
    const b = start('sched-b3');
    clock = runAt + 1;
    await waitFor('A stopped', () => stopping !== undefined);
    await stopping;
    assert.equal(a.isLeader(), false);
    await waitFor('B completed the run', async () => (await lastRun(tpl.id)) === String(runAt));

    const entries = await entriesOf(tpl.id);
    assert.deepEqual(entries.map((e) => e.rcv).sort(), ['stop-0@x.test', 'stop-1@x.test', 'stop-2@x.test']);
    assert.equal(a.counters().chunksWritten, 2, 'A wrote the chunk it had begun, then halted');
    assert.equal(b.counters().chunksWritten, 1);
    assert.equal(b.counters().chunksFenced, 0);
    await core.repos.templates.setStatus(tpl.id, 'paused');
    await stopAll();
    a = undefined;
  });

  test('paused templates do not fire; a run without a crowd file sends nothing and is recorded; the mover moves', async () => {
    const paused = await cronTemplate('paused');
    await core.repos.templates.setStatus(paused.id, 'paused');
    const noCrowd = await core.repos.templates.create({
      name: 'no-crowd',
      channel: 'sandbox',
      messageType: 'notice',
      accountId,
      appId,
      content: { text: 'Hi' },
      cron: '* * * * *',
    });
    clock = Math.max(clock, noCrowd.updatedAt + 1);
    const s = start('sched-c', { mover: true, moverIntervalMs: 20 });
    await waitFor('leads', () => s.isLeader());
    const runAt = nextMinute();
    clock = runAt + 1;
    await waitFor('no-crowd run recorded', async () => (await lastRun(noCrowd.id)) === String(runAt));
    assert.equal((await entriesOf(noCrowd.id)).length, 0);
    const none = (await core.repos.crowdRuns.find(noCrowd.id, runAt))!;
    assert.equal(none.status, 'failed');
    assert.match(none.reason!, /the template has no crowd file/);
    assert.equal(await core.repos.crowdRuns.find(paused.id, runAt), undefined);
    assert.equal((await entriesOf(paused.id)).length, 0);
    assert.equal(await lastRun(paused.id), null);

    // A delayed delivery due now is moved into its stream by the scheduler's mover.
    await r.redis.zadd(
      core.keys.delayed('sandbox.notice'),
      Date.now() - 1,
      encodeMember(['id', 'mv1', 'tpl', '999']),
    );
    await waitFor('moved', async () => (await entriesOf(999)).length === 1);
    await stopAll();
  });

  test('the SMS receipt hook runs on the leader only, throttled to its period', async () => {
    const calls = { a: 0, b: 0 };
    const a = start('sched-ra', { smsReceipts: async () => void calls.a++, receiptsEveryMs: 100 });
    await waitFor('A leads', () => a.isLeader());
    const b = start('sched-rb', { smsReceipts: async () => void calls.b++, receiptsEveryMs: 100 });
    await waitFor('A pulled a few times', () => calls.a >= 3);
    assert.equal(calls.b, 0);
    // 40 ms ticks, 100 ms period: far fewer pulls than ticks.
    assert.ok(calls.a < a.counters().ticks, `${calls.a} pulls in ${a.counters().ticks} ticks`);
    await a.stop();
    await waitFor('B pulls after taking over', () => calls.b >= 1);
    assert.equal(b.isLeader(), true);
    await stopAll();
  });

  test('a run left in progress longer than half the progress TTL is dropped, not resumed', async () => {
    const tpl = await cronTemplate('stale');
    const staleAt = clock - 30_000;
    await r.redis.hset(skeys().runs, `cur:${tpl.id}`, staleAt);
    const s = start('sched-d', { progressTtlMs: 20_000 });
    await waitFor('dropped', async () => (await r.redis.hget(skeys().runs, `cur:${tpl.id}`)) === null);
    assert.equal(await lastRun(tpl.id), String(staleAt));
    assert.equal((await entriesOf(tpl.id)).length, 0);
    assert.equal(s.counters().chunksWritten, 0);
    await core.repos.templates.setStatus(tpl.id, 'paused');
    await stopAll();
  });
  test('rows that no longer fit the template are rejected and counted; a run rejecting every row fails, saying why', async () => {
    const tpl = await cronTemplate('refit', 3);
    const changed = await core.repos.templates.update(tpl.id, {
      content: { text: 'Hello {$name}, {$code}' },
    });
    clock = Math.max(clock, changed.updatedAt + 1);
    const s = start('sched-e');
    await waitFor('leads', () => s.isLeader());
    const runAt = nextMinute();
    clock = runAt + 1;
    await waitFor('run recorded', async () => (await lastRun(tpl.id)) === String(runAt));
    assert.equal((await entriesOf(tpl.id)).length, 0);
    const run = (await core.repos.crowdRuns.find(tpl.id, runAt))!;
    assert.deepEqual([run.status, run.rowsRead, run.accepted, run.rejected], ['failed', 3, 0, 3]);
    assert.deepEqual(
      run.rejections.map((x) => x.line),
      [2, 3, 4],
    );
    assert.equal(run.reason, 'every row was rejected (line 2: no value for {$code})');
    // The record above is exact; the process counter also counts a chunk read again after a
    // tick raced the run's own bookkeeping (seen once under CI load), so it is at least 3.
    assert.ok(s.counters().rejectedRows >= 3, `rejectedRows ${s.counters().rejectedRows}`);
    await core.repos.templates.setStatus(tpl.id, 'paused');
    await stopAll();
  });

  test('a run of a template paused mid-run waits, saying why, and goes on after start; a deleted file ends it', async () => {
    const paused = await cronTemplate('mid-pause', 3, 1);
    const gone = await cronTemplate('mid-delete', 3, 1);
    const goneFile = (await core.repos.crowds.latest(gone.id))!;
    const s = start('sched-f', {
      beforeChunk: async ({ templateId, chunk }) => {
        if (chunk !== 1) return;
        // Pausing now stops the run before chunk 2; deleting the file leaves chunk 1 unread.
        if (templateId === paused.id) await core.repos.templates.setStatus(paused.id, 'paused');
        if (templateId === gone.id) await core.repos.crowds.delete(goneFile.id);
      },
    });
    await waitFor('leads', () => s.isLeader());
    const runAt = nextMinute();
    clock = runAt + 1;
    await waitFor('the deleted file ends its run', async () => (await lastRun(gone.id)) === String(runAt));
    const ended = (await core.repos.crowdRuns.find(gone.id, runAt))!;
    assert.deepEqual(
      [ended.status, ended.reason, ended.rowsRead, ended.accepted, ended.skipped],
      ['failed', `the crowd file ${goneFile.id} was deleted`, 1, 1, 2],
    );
    await waitFor('the paused run waits', async () =>
      (await core.repos.crowdRuns.find(paused.id, runAt))?.reason?.startsWith('waiting'),
    );
    let run = (await core.repos.crowdRuns.find(paused.id, runAt))!;
    assert.deepEqual([run.status, run.rowsRead, run.accepted], ['running', 2, 2]);
    assert.equal(run.reason, 'waiting: the template is paused; the run goes on after /start');
    assert.equal((await entriesOf(paused.id)).length, 2);

    const resumed = await core.repos.templates.setStatus(paused.id, 'active');
    clock = Math.max(clock, resumed.updatedAt + 1);
    await waitFor('resumed and done', async () => (await lastRun(paused.id)) === String(runAt));
    run = (await core.repos.crowdRuns.find(paused.id, runAt))!;
    assert.deepEqual(
      [run.status, run.reason, run.rowsRead, run.accepted, run.chunksDone],
      ['done', null, 3, 3, 3],
    );
    assert.deepEqual((await entriesOf(paused.id)).map((e) => e.rcv).sort(), [
      'mid-pause-0@x.test',
      'mid-pause-1@x.test',
      'mid-pause-2@x.test',
    ]);
    await core.repos.templates.setStatus(paused.id, 'paused');
    await core.repos.templates.setStatus(gone.id, 'paused');
    await stopAll();
  });

  test('the leader purges uploads that never completed (their ingest died mid-upload)', async () => {
    const tpl = await cronTemplate('purge', 1);
    await core.repos.templates.setStatus(tpl.id, 'paused');
    const cut = await core.repos.crowds.begin({ templateId: tpl.id, filename: 'cut.csv', columns: ['name'] });
    clock = Math.max(clock, Date.now() + 10);
    const s = start('sched-g', { uploadTtlMs: 5 });
    await waitFor('purged', async () => (await core.repos.crowds.getMeta(cut)) === undefined);
    assert.equal((await core.repos.crowds.latest(tpl.id))?.status, 'complete', 'complete files stay');
    assert.ok(s.isLeader());
    await stopAll();
  });
});
