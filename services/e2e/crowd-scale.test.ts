import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { crowdRoutes, crowdRunRoutes } from '../../pkg/api/admin/crowd.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv, sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { startIngest } from '../ingest/wire.ts';

/** Rows of the crowd (50 stored chunks): enough to kill the scheduler in the middle of its run. */
const ROWS = 50_000;
/** The scheduler is killed once this many chunks are in, far from either end of the run. */
const KILL_AT_CHUNK = 10;

/** Peak resident memory of a process so far (Linux VmHWM), MB. */
const peakRssMb = (pid: number): number =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** A 6-field cron (seconds first) that fires once, at `at` (UTC, whole seconds). */
const cronAt = (at: number): string => {
  const d = new Date(at);
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`;
};

/**
 * A crowd file at scale through real processes: streamed upload over HTTP into chunks, a cron
 * run in a separate scheduler process killed with SIGKILL mid-run and restarted; every receiver
 * of the file is accepted exactly once (stream entries and ledger records), as the template's
 * app, and the run's record tells it all. benchmarks/crowd-scale.ts runs the same with 1,000,000
 * rows and measures memory.
 */
describe('crowd at scale (ingest over HTTP + scheduler process, SIGKILL mid-run)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let env: Record<string, string>;
  const running: ServiceProcess[] = [];

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { TIMEZONE: 'UTC', LOG_LEVEL: 'warn' });
    core = await openCore(withDevSecrets(loadConfig(env)), 'crowd-scale-test');
    // The crowd routes as the admin API mounts them (/v1/admin/templates/…, /v1/admin/crowd-runs/…).
    const admin = new OpenAPIHono();
    admin.route(
      '/templates',
      crowdRoutes({
        templates: core.repos.templates,
        crowds: core.repos.crowds,
        runs: core.repos.crowdRuns,
        maxBytes: core.config.crowdMaxBytes,
        log: core.log,
      }),
    );
    admin.route('/crowd-runs', crowdRunRoutes({ runs: core.repos.crowdRuns }));
    ingest = await startIngest(core, { admin });
  });

  after(async () => {
    for (const p of running) await p.kill('SIGKILL');
    for (const c of [...ingest.closers].reverse()) await c.close();
    for (const c of [...core.closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  const admin = (path: string, init: RequestInit & { duplex?: 'half' } = {}) =>
    fetch(`http://127.0.0.1:${ingest.port}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${core.config.adminToken}`,
        ...(init.headers as Record<string, string>),
      },
    });

  test(`${ROWS.toLocaleString('en')} rows: uploaded streamed, run once per receiver across a SIGKILL of the scheduler`, async () => {
    const shop = await core.repos.apps.create({ name: 'shop' });
    const { templateId } = await sandboxTemplate(
      core.repos,
      { text: 'Hello {$name}, your code {$code}' },
      { appId: shop.app.id, messageType: 'marketing' },
    );
    const receiver = (i: number) => `user${i}@example.com`;

    // The CSV goes up in 64 KiB pieces without a Content-Length, as a browser streams a file.
    const enc = new TextEncoder();
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (next === 0) c.enqueue(enc.encode('receiver,name,code\n'));
        if (next >= ROWS) return c.close();
        let s = '';
        for (const end = Math.min(ROWS, next + 2000); next < end; next++)
          s += `${receiver(next)},User ${next},${next % 9973}\n`;
        c.enqueue(enc.encode(s));
      },
    });
    const started = Date.now();
    const up = await admin(`/v1/admin/templates/${templateId}/crowd?filename=scale.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    });
    const file = (await up.json()) as { id: number; rows: number; chunks: number };
    assert.equal(up.status, 201, JSON.stringify(file));
    assert.deepEqual([file.rows, file.chunks], [ROWS, ROWS / 1000]);
    console.log(`# upload of ${ROWS} rows: ${Date.now() - started} ms`);

    let scheduler = spawnService('scheduler', env);
    running.push(scheduler);
    // Fires once, a few seconds from now (the scheduler has its lease by then).
    const runAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    await core.repos.templates.update(templateId, { cron: cronAt(runAt) });

    const run = await waitFor(
      'the run to pass chunk 10',
      async () => {
        const x = await core.repos.crowdRuns.find(templateId, runAt);
        return x && x.chunksDone >= KILL_AT_CHUNK ? x : undefined;
      },
      30_000,
      10,
    ).then((x) => x!);
    const firstPeak = peakRssMb(scheduler.child.pid!);
    await scheduler.kill('SIGKILL');
    const atKill = (await core.repos.crowdRuns.get(run.id))!;
    assert.equal(atKill.status, 'running', 'killed mid-run');
    assert.ok(atKill.chunksDone < ROWS / 1000, `killed with ${atKill.chunksDone} chunks done`);
    console.log(
      `# SIGKILL at ${atKill.chunksDone}/${atKill.chunksTotal} chunks, ${atKill.accepted} accepted`,
    );

    // A new scheduler takes the lease once the dead one's lapses, and resumes the run.
    scheduler = spawnService('scheduler', env);
    running.push(scheduler);
    const done = await waitFor(
      'the run to finish',
      async () => {
        const x = await core.repos.crowdRuns.get(run.id);
        return x?.status !== 'running' ? x : undefined;
      },
      45_000,
      100,
    ).then((x) => x!);
    const secondPeak = peakRssMb(scheduler.child.pid!);
    assert.deepEqual(
      [done.status, done.reason, done.rowsRead, done.accepted, done.rejected, done.skipped, done.chunksDone],
      ['done', null, ROWS, ROWS, 0, 0, ROWS / 1000],
    );
    assert.equal(done.appId, shop.app.id);

    // Every receiver exactly once: stream entries, message ids, ledger records.
    const perReceiver = new Map<string, number>();
    const ids = new Set<string>();
    const apps = new Set<string>();
    let cursor = '-';
    for (;;) {
      const page = await r.redis.xrange(core.keys.stream('sandbox.marketing'), cursor, '+', 'COUNT', 5000);
      for (const [entryId, f] of page) {
        cursor = `(${entryId}`;
        const e = Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]!]])));
        if (e.tpl !== String(templateId)) continue;
        perReceiver.set(e.rcv!, (perReceiver.get(e.rcv!) ?? 0) + 1);
        ids.add(e.id!);
        apps.add(e.app!);
      }
      if (page.length < 5000) break;
    }
    const twice = [...perReceiver].filter(([, n]) => n > 1);
    const missing = Array.from({ length: ROWS }, (_, i) => receiver(i)).filter((x) => !perReceiver.has(x));
    assert.deepEqual(twice.slice(0, 5), [], `${twice.length} receivers sent twice`);
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} receivers missing`);
    assert.equal(ids.size, ROWS);
    assert.deepEqual([...apps], [String(shop.app.id)]);
    const records = await Promise.all([...ids].slice(0, 200).map((id) => core.ledger.record(id)));
    assert.ok(records.every((x) => x?.st === 'accepted'));

    const shown = (await (await admin(`/v1/admin/crowd-runs/${run.id}`)).json()) as {
      progress: number;
      status: string;
    };
    assert.deepEqual([shown.status, shown.progress], ['done', 1]);
    console.log(
      `# run of ${ROWS} rows done in ${(done.finishedAt! - done.startedAt) / 1000} s (incl. the lease hand-over); ` +
        `scheduler peak RSS ${firstPeak.toFixed(0)} MB before the kill, ${secondPeak.toFixed(0)} MB after`,
    );
    await scheduler.kill('SIGTERM');
  });
});
