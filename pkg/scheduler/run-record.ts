import type { Template } from '../domain/template.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import {
  type CrowdRunsRepo,
  MAX_REJECTIONS,
  type RunRejection,
  type RunTotals,
} from '../store/crowd-runs.ts';
import type { CrowdFile, CrowdsRepo } from '../store/crowds.ts';
import type { Logger } from '../telemetry/logger.ts';

/** What the run's bookkeeping needs (a part of `RunDeps`). */
export type RunRecordDeps = Readonly<{
  redis: Pick<Redis, 'hget' | 'hsetnx' | 'pexpire'>;
  crowds: Pick<CrowdsRepo, 'latest' | 'getMeta'>;
  runs: Pick<CrowdRunsRepo, 'open' | 'finish'>;
  progressTtlMs: number;
  log: Logger;
}>;

/**
 * The crowd file a run sends to: the template's latest complete file when the run starts,
 * pinned in the run's progress hash (HSETNX: two instances racing at the start agree on the
 * first pick), so a later upload never changes a run under way. A string says why there is none.
 *
 * @example const f = await pinnedFile(deps, 12, progressKey); if (typeof f === 'string') log(f);
 */
export async function pinnedFile(
  deps: RunRecordDeps,
  templateId: number,
  progress: string,
): Promise<CrowdFile | string> {
  let pinned = await deps.redis.hget(progress, 'crowd');
  if (pinned === null) {
    const latest = await deps.crowds.latest(templateId);
    if (!latest) return 'the template has no crowd file (upload one: POST /v1/admin/templates/:id/crowd)';
    await deps.redis.hsetnx(progress, 'crowd', latest.id);
    await deps.redis.pexpire(progress, deps.progressTtlMs);
    pinned = (await deps.redis.hget(progress, 'crowd'))!;
  }
  const file = await deps.crowds.getMeta(Number(pinned));
  if (file?.status !== 'complete') return `the crowd file ${pinned} was deleted`;
  return file;
}

/**
 * Records a run that sends nothing before reading a row (no file, file deleted): `failed`,
 * with the reason.
 *
 * @example await recordEmptyRun(deps, template, runAt, 'the template has no crowd file');
 */
export async function recordEmptyRun(
  deps: RunRecordDeps,
  template: Pick<Template, 'id' | 'appId'>,
  runAt: number,
  reason: string,
): Promise<void> {
  deps.log.warn({ templateId: template.id, runAt, reason }, 'scheduled run sends nothing');
  const run = await deps.runs.open({
    templateId: template.id,
    runAt,
    fileId: null,
    appId: template.appId,
    rowsTotal: 0,
    chunksTotal: 0,
  });
  await deps.runs.finish(run.id, { status: 'failed', reason, skipped: 0 });
}

/**
 * Closes a run's record: what was not read is `skipped`. Returns `'done'`: the run is over for
 * the scheduler whatever its status.
 *
 * @example return closeRun(deps, run.id, file, totals, 'failed', 'the template was deleted');
 */
export async function closeRun(
  deps: RunRecordDeps,
  runId: number,
  file: Pick<CrowdFile, 'rowCount'>,
  totals: RunTotals,
  status: 'done' | 'failed',
  reason: string | null,
): Promise<'done'> {
  const skipped = Math.max(0, file.rowCount - totals.rowsRead);
  await deps.runs.finish(runId, { status, reason, skipped });
  deps.log.info({ runId, status, reason, ...totals, skipped }, 'scheduled run closed');
  return 'done';
}

/**
 * A run's totals as its progress hash counts them (fields written by scheduler-enqueue-chunk.lua).
 *
 * @example totalsOf({ read: '10', sent: '9', rejected: '1', chunks: '1' }) // { rowsRead: 10, accepted: 9, rejected: 1, chunksDone: 1 }
 */
export const totalsOf = (h: Record<string, string>): RunTotals => ({
  rowsRead: Number(h.read ?? 0),
  accepted: Number(h.sent ?? 0),
  rejected: Number(h.rejected ?? 0),
  chunksDone: Number(h.chunks ?? 0),
});

/**
 * The record's rejection samples with a chunk's added, or undefined when nothing changes (the
 * list is full, or the chunk rejected nothing).
 *
 * @example rejectionsAfter([], [{ line: 3, message: 'bad' }]) // [{ line: 3, message: 'bad' }]
 */
export function rejectionsAfter(
  current: readonly RunRejection[],
  chunk: readonly RunRejection[],
): RunRejection[] | undefined {
  if (!chunk.length || current.length >= MAX_REJECTIONS) return undefined;
  return [...current, ...chunk].slice(0, MAX_REJECTIONS);
}
