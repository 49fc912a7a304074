import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import { fromJson, type RepoDeps } from './repo-kit.ts';
import type { CrowdRunsTable } from './schema.ts';

export type CrowdRunStatus = 'running' | 'done' | 'failed';
/** A row a run did not send, and why. */
export type RunRejection = { line: number; message: string };

/** One cron run of a template over its crowd file. `rowsRead / rowsTotal` is its progress. */
export type CrowdRun = {
  id: number;
  templateId: number;
  runAt: number;
  fileId: number | null;
  appId: number | null;
  status: CrowdRunStatus;
  /** Why it stopped, waits or sent nothing; null when all went well. */
  reason: string | null;
  rowsTotal: number;
  /** Rows of the file the run has gone through (accepted + rejected). */
  rowsRead: number;
  /** Messages accepted into the send path. */
  accepted: number;
  /** Rows the template refused at send time (receiver or variables no longer fit). */
  rejected: number;
  /** Rows never read because the run ended early (file or template deleted, run dropped). */
  skipped: number;
  chunksTotal: number;
  chunksDone: number;
  /** The first rejected rows (up to {@link MAX_REJECTIONS}). */
  rejections: RunRejection[];
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
};

/** Rejected rows a run record lists (its `rejected` count is always complete). */
export const MAX_REJECTIONS = 20;

/** What a run has done so far, as its fenced progress in Redis counts it (absolute, not deltas). */
export type RunTotals = { rowsRead: number; accepted: number; rejected: number; chunksDone: number };

const toRun = (r: Selectable<CrowdRunsTable>): CrowdRun => ({
  id: Number(r.id),
  templateId: Number(r.template_id),
  runAt: Number(r.run_at),
  fileId: r.file_id === null ? null : Number(r.file_id),
  appId: r.app_id === null ? null : Number(r.app_id),
  status: r.status as CrowdRunStatus,
  reason: r.reason,
  rowsTotal: Number(r.rows_total),
  rowsRead: Number(r.rows_read),
  accepted: Number(r.accepted),
  rejected: Number(r.rejected),
  skipped: Number(r.skipped),
  chunksTotal: Number(r.chunks_total),
  chunksDone: Number(r.chunks_done),
  rejections: r.rejections ? fromJson<RunRejection[]>(r.rejections) : [],
  startedAt: Number(r.started_at),
  updatedAt: Number(r.updated_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

const clip = (s: string | null): string | null => (s === null ? null : s.slice(0, 512));

/**
 * Records of cron runs over crowd files (`crowd_runs`), one per (template, run time). The
 * scheduler opens a record when a run starts (or finds it again when it resumes one), sets its
 * totals after every chunk and closes it with `done` or `failed` and a reason.
 *
 * @example
 * const runs = createCrowdRunsRepo(db);
 * const run = await runs.open({ templateId: 1, runAt, fileId: 3, appId: 1, rowsTotal: 10, chunksTotal: 1 });
 * await runs.progress(run.id, { rowsRead: 10, accepted: 10, rejected: 0, chunksDone: 1 });
 * await runs.finish(run.id, { status: 'done', reason: null, skipped: 0 });
 */
export function createCrowdRunsRepo(db: Db, deps: RepoDeps = {}) {
  const now = deps.now ?? Date.now;
  const get = async (id: number): Promise<CrowdRun | undefined> => {
    const r = await db.selectFrom('crowd_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toRun(r);
  };
  const find = async (templateId: number, runAt: number): Promise<CrowdRun | undefined> => {
    const r = await db
      .selectFrom('crowd_runs')
      .selectAll()
      .where('template_id', '=', templateId)
      .where('run_at', '=', runAt)
      .executeTakeFirst();
    return r && toRun(r);
  };

  return {
    /** The record of run (template, runAt): created `running`, or the one already there. */
    async open(input: {
      templateId: number;
      runAt: number;
      fileId: number | null;
      appId: number | null;
      rowsTotal: number;
      chunksTotal: number;
    }): Promise<CrowdRun> {
      const found = await find(input.templateId, input.runAt);
      if (found) return found;
      const t = now();
      try {
        await db
          .insertInto('crowd_runs')
          .values({
            template_id: input.templateId,
            run_at: input.runAt,
            file_id: input.fileId,
            app_id: input.appId,
            status: 'running',
            reason: null,
            rows_total: input.rowsTotal,
            rows_read: 0,
            accepted: 0,
            rejected: 0,
            skipped: 0,
            chunks_total: input.chunksTotal,
            chunks_done: 0,
            rejections: null,
            started_at: t,
            updated_at: t,
            finished_at: null,
          })
          .execute();
      } catch (err) {
        // Another instance opened it in between (the unique index on template and run time).
        const raced = await find(input.templateId, input.runAt);
        if (raced) return raced;
        throw err;
      }
      return (await find(input.templateId, input.runAt))!;
    },

    /**
     * Sets a running run's totals (never backwards: a late writer with older totals changes
     * nothing) and, when given, its first rejections and its reason.
     */
    async progress(
      id: number,
      totals: RunTotals,
      extra: { rejections?: readonly RunRejection[]; reason?: string | null } = {},
    ): Promise<void> {
      await db
        .updateTable('crowd_runs')
        .set({
          rows_read: totals.rowsRead,
          accepted: totals.accepted,
          rejected: totals.rejected,
          chunks_done: totals.chunksDone,
          updated_at: now(),
          ...(extra.rejections
            ? { rejections: JSON.stringify(extra.rejections.slice(0, MAX_REJECTIONS)) }
            : {}),
          ...(extra.reason !== undefined ? { reason: clip(extra.reason) } : {}),
        })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('rows_read', '<=', totals.rowsRead)
        .execute();
    },

    /** Says why a running run waits (paused template, backlog); null clears it. */
    async note(id: number, reason: string | null): Promise<void> {
      await db
        .updateTable('crowd_runs')
        .set({ reason: clip(reason), updated_at: now() })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .execute();
    },

    /** Closes a running run (a closed one stays as it was). */
    async finish(
      id: number,
      end: { status: Exclude<CrowdRunStatus, 'running'>; reason: string | null; skipped: number },
    ): Promise<void> {
      const t = now();
      await db
        .updateTable('crowd_runs')
        .set({
          status: end.status,
          reason: clip(end.reason),
          skipped: end.skipped,
          updated_at: t,
          finished_at: t,
        })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .execute();
    },

    /** A run record, or undefined. */
    get,

    /** The record of run (template, runAt), or undefined. */
    find,

    /** A template's runs, newest first, and how many it has; `before` (a run id) pages back. */
    async listByTemplate(
      templateId: number,
      opts: { limit?: number; before?: number } = {},
    ): Promise<{ items: CrowdRun[]; total: number }> {
      let q = db.selectFrom('crowd_runs').selectAll().where('template_id', '=', templateId);
      if (opts.before !== undefined) q = q.where('id', '<', opts.before);
      const [rs, count] = await Promise.all([
        q
          .orderBy('id', 'desc')
          .limit(Math.min(200, Math.max(1, opts.limit ?? 20)))
          .execute(),
        db
          .selectFrom('crowd_runs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('template_id', '=', templateId)
          .executeTakeFirstOrThrow(),
      ]);
      return { items: rs.map(toRun), total: Number(count.n) };
    },
  };
}

export type CrowdRunsRepo = ReturnType<typeof createCrowdRunsRepo>;
