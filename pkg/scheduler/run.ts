import { ensureGroup } from '../bus/index.ts';
import { catalog } from '../channels/catalog.ts';
import { type Route, routeOf } from '../domain/channels.ts';
import { encodeDelivery } from '../domain/delivery.ts';
import { missingVariables } from '../domain/render.ts';
import { HANDLER_GROUP } from '../handler/start.ts';
import { fanOut } from '../ingest/fanout.ts';
import type { Ledger } from '../lifecycle/ledger.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { CrowdRunsRepo, RunRejection, RunTotals } from '../store/crowd-runs.ts';
import type { CrowdFile, CrowdRow, CrowdsRepo } from '../store/crowds.ts';
import type { TemplateView } from '../store/templates.ts';
import type { Logger } from '../telemetry/logger.ts';
import { openSpan, traceparentOf } from '../telemetry/tracing.ts';
import type { SchedulerKeys } from './keys.ts';
import {
  closeRun,
  pinnedFile,
  type RunRecordDeps,
  recordEmptyRun,
  rejectionsAfter,
  totalsOf,
} from './run-record.ts';

/** Counters of one scheduler instance (tests and logs). */
export type SchedulerCounters = {
  ticks: number;
  runsStarted: number;
  runsCompleted: number;
  /** Chunks this instance appended. */
  chunksWritten: number;
  /** Chunks this instance found already appended by another (lost lease, takeover). */
  chunksFenced: number;
  deliveries: number;
  /** Rows this instance did not send because they no longer fit the template. */
  rejectedRows: number;
  errors: number;
};

/** Where a run stands after {@link executeRun}: finished, or to be resumed by a later tick. */
export type RunOutcome = 'done' | 'halted' | 'backpressure';

export type RunDeps = RunRecordDeps &
  Readonly<{
    /** A connection without auto-pipelining (see startScheduler). */
    redis: Redis;
    /** The `scheduler-enqueue-chunk.lua` script, loaded on `redis`. */
    enqueueChunk: (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;
    keys: Keys;
    skeys: SchedulerKeys;
    ledger: Ledger;
    /** Re-read before every chunk: a pause or delete stops the run between chunks. */
    template: (id: number) => Promise<TemplateView | undefined>;
    crowds: Pick<CrowdsRepo, 'latest' | 'getMeta' | 'chunk'>;
    runs: Pick<CrowdRunsRepo, 'open' | 'progress' | 'note' | 'finish'>;
    /** Checked before every chunk: false after a lost lease or stop. */
    mayAct: () => boolean;
    now: () => number;
    progressTtlMs: number;
    /** Consumer-group lag of a route and the mark above which a run waits (like ingest's backpressure). */
    lagOf?: (route: Route) => Promise<number>;
    highWater?: number;
    /** Test hook: runs right before a chunk is written (after the leader check). */
    beforeChunk?: (at: { templateId: number; runAt: number; chunk: number }) => Promise<void> | void;
    log: Logger;
    counters: SchedulerCounters;
  }>;

/** Why a row of a chunk cannot go out with the template as it is now; undefined when it can. */
function rejection(template: TemplateView, r: CrowdRow): string | undefined {
  const shown = r.receiver.slice(0, 128);
  if (!catalog.isValidReceiver(template.channel, r.receiver)) {
    return `"${shown}" is not a valid ${template.channel} receiver`;
  }
  const missing = missingVariables(template.content, r.variables);
  return missing.length ? `no value for {$${missing.join('}, {$')}}` : undefined;
}

/**
 * Sends one cron run of a template to its crowd file, chunk by stored chunk: the file is pinned
 * when the run starts (the latest complete one then) and read one chunk (≤ 1,000 rows) at a
 * time, so memory stays flat whatever the file's size. Each chunk goes through the send path's
 * own steps (fanOut, `ledger.accept`, XADD) as the template's owning app, idempotent per
 * (run, chunk): the idempotency key `cron:<template>:<runAt>:<chunk>` fixes the message ids,
 * accept is a no-op for existing records, and the XADD happens in one script with the chunk's
 * marker — so a scheduler killed at any instant and restarted, a resumption or two overlapping
 * leaders append every chunk exactly once. The run's record (crowd_runs) gets the totals after
 * every chunk and a reason whenever it waits, stops or sends nothing.
 *
 * @example const outcome = await executeRun(deps, template, runAt); // 'done' → record the run
 */
export async function executeRun(deps: RunDeps, first: TemplateView, runAt: number): Promise<RunOutcome> {
  const route = routeOf(first.channel, first.messageType);
  const progress = deps.skeys.runProgress(route, first.id, runAt);
  const stream = deps.keys.stream(route);

  const pinned = await pinnedFile(deps, first.id, progress);
  if (typeof pinned === 'string') {
    await recordEmptyRun(deps, first, runAt, pinned);
    return 'done';
  }
  const file: CrowdFile = pinned;
  const run = await deps.runs.open({
    templateId: first.id,
    runAt,
    fileId: file.id,
    appId: first.appId,
    rowsTotal: file.rowCount,
    chunksTotal: file.chunkCount,
  });
  if (run.status !== 'running') return 'done'; // closed before a crash kept Redis from hearing it
  // A handler starting later reads the stream from its start; creating the group now also keeps
  // the trimmer from treating the entries as unowned.
  await ensureGroup(deps.redis, stream, HANDLER_GROUP);
  const state = await deps.redis.hgetall(progress);
  let totals: RunTotals = totalsOf(state);
  let rejections: RunRejection[] = run.rejections;
  // The record may lag Redis (killed between the append and the record): catch it up first.
  if (totals.rowsRead > run.rowsRead) await deps.runs.progress(run.id, totals);

  for (let i = 0; i < file.chunkCount; i++) {
    if (state[`c:${i}`] !== undefined) continue;
    if (!deps.mayAct()) return 'halted';
    const template = await deps.template(first.id);
    if (!template) return closeRun(deps, run.id, file, totals, 'failed', 'the template was deleted');
    if (template.status !== 'active') {
      await deps.runs.note(run.id, 'waiting: the template is paused; the run goes on after /start');
      return 'halted';
    }
    if (deps.lagOf && deps.highWater !== undefined && (await deps.lagOf(route)) > deps.highWater) {
      deps.log.warn(
        { templateId: first.id, runAt, route },
        'scheduled run waits: delivery backlog above high water',
      );
      await deps.runs.note(run.id, `waiting: the ${route} backlog is above BACKPRESSURE_HIGH_WATER`);
      return 'backpressure';
    }
    await deps.beforeChunk?.({ templateId: first.id, runAt, chunk: i });

    const rows = await deps.crowds.chunk(file, i);
    if (!rows) return closeRun(deps, run.id, file, totals, 'failed', `the crowd file ${file.id} was deleted`);
    const good: CrowdRow[] = [];
    const refused: RunRejection[] = [];
    for (const r of rows) {
      const why = rejection(template, r);
      if (why) refused.push({ line: r.line, message: why });
      else good.push(r);
    }
    const t = deps.now();
    // A cron chunk is the scheduler's "request": one trace per chunk, carried by its deliveries.
    const span = openSpan('push.scheduler.chunk', {
      'push.template_id': template.id,
      'push.run_at': runAt,
      'push.chunk': i,
      'push.messages': good.length,
    });
    const { requestId, deliveries } = good.length
      ? fanOut(
          template,
          {
            templateId: template.id,
            messages: good.map((r) => ({ receivers: [r.receiver], variables: r.variables })),
          },
          {
            now: t,
            traceparent: traceparentOf(span),
            seed: `cron:${template.id}:${runAt}:${i}`,
            firstAt: runAt,
            ...(template.appId === null ? {} : { appId: template.appId }),
          },
        )
      : { requestId: '', deliveries: [] };

    // Idempotent pre-writes first (records + `accepted` events, the request's id list), then the
    // fenced append: a crash between them leaves nothing a resumed run would duplicate.
    await Promise.all(deliveries.map((d) => deps.ledger.accept(d, t, undefined, template.version)));
    if (requestId) {
      const reqKey = deps.keys.request(requestId);
      await deps.redis
        .multi()
        .del(reqKey)
        .rpush(reqKey, ...deliveries.map((d) => d.id))
        .pexpire(reqKey, 7 * 86_400_000)
        .exec();
    }
    const args: (string | number)[] = [i, deps.progressTtlMs, rows.length, refused.length, deliveries.length];
    for (const d of deliveries) {
      const fields = encodeDelivery(d);
      args.push(fields.length, ...fields);
    }
    const [n, ...after] = (await deps.enqueueChunk([stream, progress], args)) as number[];
    span.setAttribute('push.appended', Math.max(0, n!));
    span.end();
    totals = { rowsRead: after[0]!, accepted: after[1]!, rejected: after[2]!, chunksDone: after[3]! };
    if (n! < 0) {
      deps.counters.chunksFenced++;
      deps.log.info({ templateId: first.id, runAt, chunk: i }, 'chunk already appended by another scheduler');
      await deps.runs.progress(run.id, totals);
      continue;
    }
    deps.counters.chunksWritten++;
    deps.counters.deliveries += n!;
    deps.counters.rejectedRows += refused.length;
    const more = rejectionsAfter(rejections, refused);
    rejections = more ?? rejections;
    await deps.runs.progress(run.id, totals, { reason: null, ...(more ? { rejections: more } : {}) });
  }
  const status = totals.accepted > 0 ? 'done' : 'failed';
  const sample = rejections[0];
  const reason =
    totals.accepted > 0
      ? totals.rejected > 0
        ? `${totals.rejected} rows rejected: they no longer fit the template`
        : null
      : `every row was rejected${sample ? ` (line ${sample.line}: ${sample.message})` : ''}`;
  await closeRun(deps, run.id, file, totals, status, reason);
  return 'done';
}
