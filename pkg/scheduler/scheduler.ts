import { groupLag, startMover } from '../bus/index.ts';
import { ALL_ROUTES, type Route } from '../domain/channels.ts';
import { HANDLER_GROUP } from '../handler/start.ts';
import type { Core } from '../process/core.ts';
import type { Closer } from '../process/shutdown.ts';
import { connectRedis } from '../redis/client.ts';
import { startLeaderLease } from '../redis/leader-lease.ts';
import { loadScripts } from '../redis/lua.ts';
import type { TemplateView } from '../store/templates.ts';
import type { SchedulerMetrics } from '../telemetry/metrics.ts';
import { dueRuns, runBaseline } from './cron.ts';
import { schedulerKeys } from './keys.ts';
import { type SmsReceiptPuller, throttledReceipts } from './receipts.ts';
import { executeRun, type RunDeps, type SchedulerCounters } from './run.ts';

export type SchedulerOptions = {
  /** Clock for cron decisions (default Date.now); tests advance their own. */
  now?: () => number;
  /** Pause between ticks (default 1000 ms). */
  tickMs?: number;
  /** Leader lease time to live (default 10 s): the longest a dead leader's runs wait. */
  leaseTtlMs?: number;
  /** Lease owner id (default core.instance); two schedulers in one process need two. */
  instance?: string;
  /** Run the delayed-delivery mover for every route (default true). */
  mover?: boolean;
  moverIntervalMs?: number;
  /** SMS receipt pulling, run by the leader every `receiptsEveryMs` (default 30 s). */
  smsReceipts?: SmsReceiptPuller;
  receiptsEveryMs?: number;
  /** How long a run's progress is kept (default 7 days). */
  progressTtlMs?: number;
  /** An upload still incomplete this long after it began is purged (default 6 h: its ingest died). */
  uploadTtlMs?: number;
  /** Test hook, see {@link RunDeps.beforeChunk}. */
  beforeChunk?: RunDeps['beforeChunk'];
  /** Where firings are counted (`push_scheduler_runs_total`). */
  metrics?: Pick<SchedulerMetrics, 'runs'>;
};

export type Scheduler = Readonly<{
  isLeader(): boolean;
  counters(): SchedulerCounters;
  /** One tick now (tests); ticks never overlap. */
  tick(): Promise<void>;
  /** Stops ticking (a run in progress halts between chunks), the mover, and releases the lease. */
  stop(): Promise<void>;
  closers: Closer[];
}>;

/**
 * Starts the scheduler on a core. Every instance takes part in the leader election; the leader,
 * every tick, looks at each ACTIVE template with a cron: a run in progress is resumed, otherwise
 * the latest due run (see {@link dueRuns}: missed runs collapse into one) is started and sent to
 * the template's latest crowd file through {@link executeRun}. Last runs and runs in progress
 * live in Redis, so a new leader continues where the old one stopped. Every instance also moves
 * due delayed deliveries (retries, `sendAt`, quiet hours) back into their streams — the mover's
 * script is atomic, so instances running it side by side move each entry once.
 *
 * A paused template's run in progress halts between chunks and resumes on `/start`; runs that
 * fell due while it was paused are not fired (its `updatedAt` bounds the catch-up).
 *
 * @example
 * const s = startScheduler(core, {});
 * // on shutdown: for (const c of [...s.closers].reverse()) await c.close();
 */
export function startScheduler(core: Core, opts: SchedulerOptions = {}): Scheduler {
  const { keys, log } = core;
  // Its own connection, without auto-pipelining: lease heartbeats never queue behind a chunk's writes.
  const redis = connectRedis(core.config, 'command', {
    enableAutoPipelining: false,
    connectionName: 'pushline-scheduler',
  });
  const skeys = schedulerKeys(keys);
  const now = opts.now ?? Date.now;
  const tickMs = opts.tickMs ?? 1000;
  const counters: SchedulerCounters = {
    ticks: 0,
    runsStarted: 0,
    runsCompleted: 0,
    chunksWritten: 0,
    chunksFenced: 0,
    deliveries: 0,
    rejectedRows: 0,
    errors: 0,
  };
  let stopped = false;
  const scripts = loadScripts(redis, new URL('./scripts/', import.meta.url), {
    schedulerCompleteRun: 1,
    schedulerEnqueueChunk: 2,
  });
  const lease = startLeaderLease({
    redis,
    key: skeys.lease,
    owner: opts.instance ?? core.instance,
    ttlMs: opts.leaseTtlMs ?? 10_000,
    onChange: (leader) => log.info({ leader }, leader ? 'scheduler leads' : 'scheduler follows'),
    onError: (err) => log.warn({ err }, 'scheduler lease heartbeat failed'),
  });
  const mayAct = () => !stopped && lease.isLeader();
  const fired = (kind: 'crowd' | 'receipts', outcome: string) => opts.metrics?.runs.inc({ kind, outcome });

  const runDeps: RunDeps = {
    redis,
    keys,
    skeys,
    enqueueChunk: scripts.schedulerEnqueueChunk,
    ledger: core.ledger,
    template: (id) => core.repos.templates.get(id),
    crowds: core.repos.crowds,
    runs: core.repos.crowdRuns,
    mayAct,
    now,
    progressTtlMs: opts.progressTtlMs ?? 7 * 86_400_000,
    lagOf: (route: Route) => groupLag(redis, keys.stream(route), HANDLER_GROUP),
    highWater: core.config.backpressureHighWater,
    ...(opts.beforeChunk ? { beforeChunk: opts.beforeChunk } : {}),
    log,
    counters,
  };

  /** Active templates with a cron expression, every page. */
  async function cronTemplates(): Promise<TemplateView[]> {
    const out: TemplateView[] = [];
    for (let page = 1; ; page++) {
      const { items, total } = await core.repos.templates.list({ status: 'active', page, pageSize: 200 });
      out.push(...items.filter((t) => t.cron));
      if (items.length === 0 || page * 200 >= total) return out;
    }
  }

  /** The run to work on for a template now: the one in progress, or the latest due; undefined when none. */
  async function runFor(t: TemplateView, state: Record<string, string>): Promise<number | undefined> {
    const cur = state[`cur:${t.id}`];
    if (cur !== undefined) return Number(cur);
    const last = state[`last:${t.id}`];
    const due = dueRuns(
      t.cron!,
      runBaseline(last === undefined ? undefined : Number(last), t.updatedAt),
      now(),
      t.timezone ?? core.config.timezone,
    );
    const runAt = due.at(-1);
    if (runAt === undefined) return undefined;
    // HSETNX: should two leaders ever overlap, both work on the first one's run.
    if ((await redis.hsetnx(skeys.runs, `cur:${t.id}`, runAt)) === 0) {
      return Number(await redis.hget(skeys.runs, `cur:${t.id}`));
    }
    counters.runsStarted++;
    log.info({ templateId: t.id, runAt: new Date(runAt).toISOString() }, 'scheduled run started');
    return runAt;
  }

  /** Ends a run halted too long: Redis forgets it, its record says why the rest was skipped. */
  async function dropStale(t: TemplateView, runAt: number): Promise<void> {
    await scripts.schedulerCompleteRun([skeys.runs], [t.id, runAt]);
    const run = await core.repos.crowdRuns.find(t.id, runAt);
    if (run) {
      await core.repos.crowdRuns.finish(run.id, {
        status: 'failed',
        reason: 'dropped: it waited (paused template or backlog) longer than half the progress TTL',
        skipped: Math.max(0, run.rowsTotal - run.rowsRead),
      });
    }
    log.warn({ templateId: t.id, runAt: new Date(runAt).toISOString() }, 'stale scheduled run dropped');
  }

  /** Uploads an ingest died in the middle of: never complete, never used, removed now and then. */
  const uploadTtlMs = opts.uploadTtlMs ?? 6 * 3_600_000;
  let purgedAt = Number.NEGATIVE_INFINITY;
  async function purgeUploads(): Promise<void> {
    // The period runs on a monotonic clock: a clock stepped back must not stall the purge.
    if (performance.now() - purgedAt < Math.min(uploadTtlMs, 600_000)) return;
    purgedAt = performance.now();
    const n = await core.repos.crowds.purgeIncomplete(now() - uploadTtlMs);
    if (n) log.info({ files: n }, 'incomplete crowd uploads purged');
  }

  async function runTemplates(): Promise<void> {
    const templates = await cronTemplates();
    const state = await redis.hgetall(skeys.runs);
    for (const t of templates) {
      if (!mayAct()) return;
      try {
        const runAt = await runFor(t, state);
        if (runAt === undefined) continue;
        if (now() - runAt > runDeps.progressTtlMs / 2) {
          // A run halted that long ago (its template stayed paused) is dropped, not resumed: its
          // progress expires with the progress TTL, and resuming without it could resend chunks.
          await dropStale(t, runAt);
          fired('crowd', 'dropped');
          continue;
        }
        const outcome = await executeRun(runDeps, t, runAt);
        fired('crowd', outcome);
        if (outcome !== 'done') continue;
        if (Number(await scripts.schedulerCompleteRun([skeys.runs], [t.id, runAt])) !== 1) continue;
        counters.runsCompleted++;
        log.info({ templateId: t.id, runAt: new Date(runAt).toISOString() }, 'scheduled run completed');
      } catch (err) {
        counters.errors++;
        fired('crowd', 'error');
        log.error({ err, templateId: t.id }, 'scheduled run failed; retried next tick');
      }
    }
  }

  const pullReceipts = throttledReceipts({
    puller: opts.smsReceipts,
    everyMs: opts.receiptsEveryMs ?? 30_000,
    log,
    onRun: (ok) => fired('receipts', ok ? 'ok' : 'error'),
  });

  let ticking: Promise<void> | undefined;
  const tick = (): Promise<void> => {
    ticking ??= (async () => {
      counters.ticks++;
      if (!mayAct()) return;
      await runTemplates().catch((err) => {
        counters.errors++;
        log.error({ err }, 'scheduler tick failed');
      });
      if (mayAct()) {
        await purgeUploads().catch((err) => log.warn({ err }, 'purging incomplete crowd uploads failed'));
      }
      if (mayAct()) await pullReceipts(now());
    })().finally(() => {
      ticking = undefined;
    });
    return ticking;
  };
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (!stopped) timer = setTimeout(() => tick().finally(schedule), tickMs);
  };
  schedule();

  const byStream = new Map(ALL_ROUTES.map((r) => [keys.stream(r), r]));
  const mover =
    opts.mover === false
      ? undefined
      : startMover({
          redis,
          streams: [...byStream.keys()],
          delayedKeyOf: (s) => keys.delayed(byStream.get(s)!),
          intervalMs: opts.moverIntervalMs ?? 250,
          onError: (err, stream) => log.error({ err, stream }, 'delayed mover failed'),
        });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      await mover?.stop();
      await lease.stop();
      await redis.quit().catch(() => redis.disconnect());
    })();
    return stopping;
  };
  return Object.freeze({
    isLeader: lease.isLeader,
    counters: () => ({ ...counters }),
    tick,
    stop,
    closers: [{ name: 'scheduler', close: stop }],
  });
}
