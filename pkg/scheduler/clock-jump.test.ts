import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { type Core, openCore } from '../process/core.ts';
import { platformEnv } from '../testkit/platform.ts';
import { testDb, testRedis, waitFor } from '../testkit/testkit.ts';
import { throttledReceipts } from './receipts.ts';
import { type Scheduler, type SchedulerOptions, startScheduler } from './scheduler.ts';

const MIN = 60_000;
const silent = { error: () => undefined } as unknown as Parameters<typeof throttledReceipts>[0]['log'];

/**
 * The scheduler with an injected clock that jumps forward and back (NTP steps, a VM resumed, a
 * wrong clock corrected). The rule: a cron slot fires at most once, ever; a forward jump over
 * several slots fires the latest of them once (missed runs collapse, see `dueRuns`); a back jump
 * fires nothing until the clock passes the last fired slot again. Periodic chores (receipt pulls,
 * upload purges) keep their period through a back jump.
 */
describe('scheduler under clock jumps (real Redis + MariaDB)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let accountId: number;
  let appId: number;
  let clock = Date.now();
  const running: Scheduler[] = [];

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    const env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { TIMEZONE: 'UTC' });
    core = await openCore(withDevSecrets(loadConfig(env)), 'clock-jump-test');
    accountId = (
      await core.repos.accounts.create({ name: 'sb', channel: 'sandbox', provider: 'sandbox', config: {} })
    ).id;
    appId = (await core.repos.apps.create({ name: 'shop' })).app.id;
  });
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });
  after(async () => {
    for (const c of [...core.closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  /** A leading scheduler on the injected clock that ticks only when the test says so. */
  async function leader(opts: SchedulerOptions = {}): Promise<Scheduler> {
    const s = startScheduler(core, {
      now: () => clock,
      tickMs: 3_600_000,
      leaseTtlMs: 2000,
      mover: false,
      instance: `jump-${running.length}`,
      ...opts,
    });
    running.push(s);
    await waitFor('leads', () => s.isLeader(), 10_000);
    return s;
  }

  test('forward and back jumps: each slot fires at most once, a skipped span fires its latest slot once', async () => {
    const tpl = await core.repos.templates.create({
      name: 'jumpy',
      channel: 'sandbox',
      messageType: 'notice',
      accountId,
      appId,
      content: { text: 'Hello {$name}' },
      cron: '* * * * *',
    });
    await core.repos.crowds.save({
      templateId: tpl.id,
      filename: 'one.csv',
      rows: [{ receiver: 'jump@x.test', variables: { name: 'J' } }],
    });
    const m0 = Math.floor(tpl.updatedAt / MIN) * MIN + MIN;
    const s = await leader();
    const fired = async () =>
      (await core.repos.crowdRuns.listByTemplate(tpl.id, { limit: 200 })).items.map((x) => x.runAt).sort();
    const at = async (ms: number) => {
      clock = ms;
      await s.tick();
    };

    await at(m0 + 1000);
    await at(m0 + 2000);
    assert.deepEqual(await fired(), [m0], 'the due slot fires once');

    await at(m0 - 30_000); // back, before the slot just fired
    await at(m0 - 5 * MIN); // further back
    await at(m0 + 1000); // forward again onto the fired slot
    assert.deepEqual(await fired(), [m0], 'back jumps re-fire nothing');

    await at(m0 + MIN + 1);
    assert.deepEqual(await fired(), [m0, m0 + MIN], 'the next slot fires');

    await at(m0 + 11 * MIN + 1); // forward over slots m0+2 … m0+11
    assert.deepEqual(
      await fired(),
      [m0, m0 + MIN, m0 + 11 * MIN],
      'a skipped span fires its latest slot once',
    );

    await at(m0 + 5 * MIN + 1); // back into the skipped span
    await at(m0 + 11 * MIN + 30_000);
    assert.equal((await fired()).length, 3, 'a back jump into a skipped span fires none of it');

    for (const ms of [-1000, 1000, -1000, 1000, 2000]) await at(m0 + 12 * MIN + ms); // jitter on a boundary
    assert.deepEqual(await fired(), [m0, m0 + MIN, m0 + 11 * MIN, m0 + 12 * MIN], 'jitter fires a slot once');

    const stream = await r.redis.xrange(core.keys.stream('sandbox.notice'), '-', '+');
    const mine = stream.filter(([, f]) => f[f.indexOf('tpl') + 1] === String(tpl.id));
    assert.equal(mine.length, 4, 'one delivery per fired slot');
    assert.equal(s.counters().runsCompleted, 4);
    await core.repos.templates.setStatus(tpl.id, 'paused');
  });

  test('a back jump does not stall the upload purge: it keeps its period', async () => {
    const tpl = await core.repos.templates.create({
      name: 'purge-jump',
      channel: 'sandbox',
      messageType: 'notice',
      accountId,
      appId,
      content: { text: 'Hi' },
    });
    clock = Date.now() + 3_600_000; // a clock an hour fast…
    const s = await leader({ uploadTtlMs: 5 });
    await s.tick();
    const cut = await core.repos.crowds.begin({ templateId: tpl.id, filename: 'cut.csv', columns: ['name'] });
    clock = Date.now() + 10_000; // …corrected back
    await waitFor(
      'the incomplete upload purged after the back jump',
      async () => {
        await s.tick();
        return (await core.repos.crowds.getMeta(cut)) === undefined;
      },
      5000,
    );
  });

  test('a back jump of the wall clock does not stall SMS receipt pulls', async () => {
    let pulls = 0;
    const pull = throttledReceipts({ puller: async () => void pulls++, everyMs: 20, log: silent });
    const realNow = Date.now;
    try {
      await pull(Date.now());
      assert.equal(pulls, 1);
      const back = realNow() - 3_600_000;
      const start = realNow();
      Date.now = () => back + (realNow() - start); // the wall clock stepped back an hour
      await waitFor(
        'a pull one period after the back jump',
        async () => {
          await pull(Date.now());
          return pulls >= 2;
        },
        2000,
        5,
      );
    } finally {
      Date.now = realNow;
    }
  });
});
