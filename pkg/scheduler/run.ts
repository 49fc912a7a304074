import type { Redis } from 'ioredis';
import { ensureGroup } from '../bus/index.ts';
import { catalog } from '../channels/catalog.ts';
import { type Route, routeOf } from '../domain/channels.ts';
import { encodeDelivery } from '../domain/delivery.ts';
import { missingVariables } from '../domain/render.ts';
import { HANDLER_GROUP } from '../handler/start.ts';
import { fanOut } from '../ingest/fanout.ts';
import type { Ledger } from '../lifecycle/ledger.ts';
import type { Keys } from '../redis/keys.ts';
import type { CrowdRow } from '../store/crowd-csv.ts';
import type { CrowdsRepo } from '../store/crowds.ts';
import type { TemplateView } from '../store/templates.ts';
import type { Logger } from '../telemetry/logger.ts';
import { chunkRanges } from './cron.ts';
import type { SchedulerKeys } from './keys.ts';

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
  skippedRows: number;
  errors: number;
};

/** Where a run stands after {@link executeRun}: finished, or to be resumed by a later tick. */
export type RunOutcome = 'done' | 'halted' | 'backpressure';

export type RunDeps = Readonly<{
  /** A connection without auto-pipelining (see startScheduler). */
  redis: Redis;
  /** The `scheduler-enqueue-chunk.lua` script, loaded on `redis`. */
  enqueueChunk: (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;
  keys: Keys;
  skeys: SchedulerKeys;
  ledger: Ledger;
  /** Re-read before every chunk: a pause or delete stops the run between chunks. */
  template: (id: number) => Promise<TemplateView | undefined>;
  crowds: Pick<CrowdsRepo, 'listByTemplate' | 'get'>;
  /** Checked before every chunk: false after a lost lease or stop. */
  mayAct: () => boolean;
  now: () => number;
  /** Deliveries per chunk, at most 1000 (a send request's cap). */
  chunkSize: number;
  progressTtlMs: number;
  /** Consumer-group lag of a route and the mark above which a run waits (like ingest's backpressure). */
  lagOf?: (route: Route) => Promise<number>;
  highWater?: number;
  /** Test hook: runs right before a chunk is written (after the leader check). */
  beforeChunk?: (at: { templateId: number; runAt: number; chunk: number }) => Promise<void> | void;
  log: Logger;
  counters: SchedulerCounters;
}>;

/**
 * Sends one cron run of a template to its crowd: the crowd file is pinned when the run starts
 * (the latest one then), rows are cut into chunks of `chunkSize`, and each chunk goes through the
 * send path's own steps (fanOut with a seed, `ledger.accept`, XADD). Idempotent per
 * (template, run time, chunk): ids are derived from the seed, accept is a no-op for existing
 * records, and the XADD happens in one script with the chunk's progress marker — so any number
 * of interruptions, resumptions and concurrent leaders append every chunk exactly once.
 * Rows that no longer fit the template (receiver invalid for its channel, missing variables) are
 * skipped and counted.
 *
 * @example const outcome = await executeRun(deps, template, runAt); // 'done' → record the run
 */
export async function executeRun(deps: RunDeps, first: TemplateView, runAt: number): Promise<RunOutcome> {
  const route = routeOf(first.channel, first.messageType);
  const progress = deps.skeys.runProgress(route, first.id, runAt);
  const stream = deps.keys.stream(route);

  const rows = await pinnedCrowd(deps, first.id, progress);
  if (!rows) return 'done';
  // A handler starting later reads the stream from its start; creating the group now also keeps
  // the trimmer from treating the entries as unowned.
  await ensureGroup(deps.redis, stream, HANDLER_GROUP);
  const done = new Set(Object.keys(await deps.redis.hgetall(progress)).filter((f) => f.startsWith('c:')));

  const ranges = chunkRanges(rows.length, Math.min(1000, deps.chunkSize));
  for (const [i, [from, to]] of ranges.entries()) {
    if (done.has(`c:${i}`)) continue;
    if (!deps.mayAct()) return 'halted';
    const template = await deps.template(first.id);
    if (template?.status !== 'active') return 'halted';
    if (deps.lagOf && deps.highWater !== undefined && (await deps.lagOf(route)) > deps.highWater) {
      deps.log.warn(
        { templateId: first.id, runAt, route },
        'scheduled run waits: delivery backlog above high water',
      );
      return 'backpressure';
    }
    await deps.beforeChunk?.({ templateId: first.id, runAt, chunk: i });

    const slice = rows.slice(from, to);
    const good = slice.filter(
      (r) =>
        catalog.isValidReceiver(template.channel, r.receiver) &&
        missingVariables(template.content, r.variables).length === 0,
    );
    const t = deps.now();
    const { requestId, deliveries } = good.length
      ? fanOut(
          template,
          {
            templateId: template.id,
            messages: good.map((r) => ({ receivers: [r.receiver], variables: r.variables })),
          },
          { now: t, traceparent: '', seed: `cron:${template.id}:${runAt}:${i}`, firstAt: runAt },
        )
      : { requestId: '', deliveries: [] };

    // Idempotent pre-writes first (records + `accepted` events, the request's id list), then the
    // fenced append: a crash between them leaves nothing a resumed run would duplicate.
    await Promise.all(deliveries.map((d) => deps.ledger.accept(d, t)));
    if (requestId) {
      const reqKey = deps.keys.request(requestId);
      await deps.redis
        .multi()
        .del(reqKey)
        .rpush(reqKey, ...deliveries.map((d) => d.id))
        .pexpire(reqKey, 7 * 86_400_000)
        .exec();
    }
    const args: (string | number)[] = [i, deps.progressTtlMs, slice.length - good.length, deliveries.length];
    for (const d of deliveries) {
      const fields = encodeDelivery(d);
      args.push(fields.length, ...fields);
    }
    const n = Number(await deps.enqueueChunk([stream, progress], args));
    if (n < 0) {
      deps.counters.chunksFenced++;
      deps.log.info({ templateId: first.id, runAt, chunk: i }, 'chunk already appended by another scheduler');
    } else {
      deps.counters.chunksWritten++;
      deps.counters.deliveries += n;
      deps.counters.skippedRows += slice.length - good.length;
    }
  }
  return 'done';
}

/** The rows of the crowd file pinned for this run (the template's latest at the run's start). */
async function pinnedCrowd(
  deps: RunDeps,
  templateId: number,
  progress: string,
): Promise<CrowdRow[] | undefined> {
  let pinned = await deps.redis.hget(progress, 'crowd');
  if (pinned === null) {
    const latest = (await deps.crowds.listByTemplate(templateId))[0];
    if (!latest) {
      deps.log.warn({ templateId }, 'scheduled run skipped: the template has no crowd file');
      return undefined;
    }
    // HSETNX: two instances racing at a run's start agree on the first one's pick.
    await deps.redis.hsetnx(progress, 'crowd', latest.id);
    await deps.redis.pexpire(progress, deps.progressTtlMs);
    pinned = (await deps.redis.hget(progress, 'crowd'))!;
  }
  const crowd = await deps.crowds.get(Number(pinned));
  if (!crowd) {
    deps.log.warn(
      { templateId, crowdId: Number(pinned) },
      'scheduled run dropped: its crowd file was deleted',
    );
    return undefined;
  }
  return crowd.rows;
}
