import { contentPlaceholders } from '../domain/render.ts';
import type { Template } from '../domain/template.ts';
import { type CrowdFile, type CrowdRow, type CrowdsRepo, MAX_CHUNK_ROWS } from '../store/crowds.ts';
import { readCrowdCsv } from './csv.ts';
import { type CrowdProblem, fileRejected, MAX_LISTED_PROBLEMS } from './problems.ts';

/** Most bytes of one stored chunk: far below MySQL's packet and MEDIUMTEXT limits. */
const MAX_CHUNK_BYTES = 1024 * 1024;

export type UploadInput = {
  template: Pick<Template, 'id' | 'channel' | 'content'>;
  filename: string;
  body: AsyncIterable<Uint8Array>;
  /** Largest file accepted (config `CROWD_MAX_BYTES`). */
  maxBytes: number;
  /** Store the good rows and list the bad ones, instead of rejecting the file. */
  skipInvalid: boolean;
  /** Rows per stored chunk (default and at most 1000). */
  chunkRows?: number;
};

export type UploadResult = {
  file: CrowdFile;
  /** Rows left out (`skipInvalid`), the first {@link MAX_LISTED_PROBLEMS}. */
  problems: CrowdProblem[];
  problemCount: number;
};

/** A row's stored size, near enough: its text plus the JSON around each value. */
const sizeOf = (r: CrowdRow): number => {
  let n = r.receiver.length + 16;
  for (const k in r.variables) n += r.variables[k]!.length + 4;
  return n;
};

/**
 * Stores an uploaded crowd CSV for a template as it streams in: parsed and checked against the
 * template (see readCrowdCsv), written in chunks of up to 1,000 rows as rows arrive, and marked
 * complete only at the end — so the file is either all there or not at all: any bad row (unless
 * `skipInvalid`), a broken file, a dropped connection or a crash leaves nothing a run could use
 * (a failed upload is removed here; one cut by a crash by the scheduler's purge).
 *
 * @example
 * const r = await uploadCrowd({ crowds }, { template, filename: 'vip.csv', body: req.body,
 *   maxBytes: 100 << 20, skipInvalid: false }); // r.file.rowCount
 */
export async function uploadCrowd(
  deps: { crowds: Pick<CrowdsRepo, 'begin' | 'writeChunk' | 'complete' | 'abort'> },
  input: UploadInput,
): Promise<UploadResult> {
  const { crowds } = deps;
  const chunkRows = Math.max(1, Math.min(MAX_CHUNK_ROWS, input.chunkRows ?? MAX_CHUNK_ROWS));
  let fileId: number | undefined;
  let columns: string[] = [];
  let chunks = 0;
  let pending: CrowdRow[] = [];
  let pendingBytes = 0;
  // Off after the first bad row unless skipInvalid: the file is refused, the rest is only counted.
  let storing = true;
  const listed: CrowdProblem[] = [];

  const flush = async () => {
    if (!pending.length || fileId === undefined) return;
    const rows = pending;
    pending = [];
    pendingBytes = 0;
    await crowds.writeChunk(fileId, chunks++, columns, rows);
  };

  try {
    const totals = await readCrowdCsv(
      input.body,
      {
        channel: input.template.channel,
        placeholders: contentPlaceholders(input.template.content),
        maxBytes: input.maxBytes,
        batchRows: chunkRows,
      },
      {
        async header(cols) {
          columns = cols;
          fileId = await crowds.begin({ templateId: input.template.id, filename: input.filename, columns });
        },
        async rows(rows) {
          if (!storing) return;
          for (const r of rows) {
            pending.push(r);
            pendingBytes += sizeOf(r);
            if (pending.length >= chunkRows || pendingBytes >= MAX_CHUNK_BYTES) await flush();
          }
        },
        problem(p) {
          if (listed.length < MAX_LISTED_PROBLEMS) listed.push(p);
          if (!input.skipInvalid) storing = false;
        },
      },
    );
    if (totals.problems > 0 && !input.skipInvalid)
      throw fileRejected('CROWD_INVALID', listed, totals.problems);
    if (totals.rows === 0) throw fileRejected('CROWD_INVALID', listed, totals.problems);
    await flush();
    const file = await crowds.complete(fileId!, {
      rowCount: totals.rows,
      chunkCount: chunks,
      rejectedCount: totals.problems,
      byteCount: totals.bytes,
    });
    return { file, problems: listed, problemCount: totals.problems };
  } catch (err) {
    // Best effort: what a failed cleanup leaves behind is never complete, and is purged later.
    if (fileId !== undefined) await crowds.abort(fileId).catch(() => undefined);
    throw err;
  }
}
