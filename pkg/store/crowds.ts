import type { Selectable } from 'kysely';
import { z } from 'zod';
import { AppError, errors } from '../domain/errors.ts';
import type { Db } from './db.ts';
import { affected, fromJson, insertedId, parseInput, type RepoDeps } from './repo-kit.ts';
import type { CrowdFilesTable } from './schema.ts';

/** One receiver of a crowd file: the CSV line it came from, the receiver, its variables. */
export type CrowdRow = { line: number; receiver: string; variables: Record<string, string> };

/** A stored crowd file (its rows are read chunk by chunk, see `chunk`). */
export type CrowdFile = {
  id: number;
  templateId: number;
  filename: string;
  /** `uploading` while its chunks are written; only `complete` files are listed or sent to. */
  status: 'uploading' | 'complete';
  rowCount: number;
  chunkCount: number;
  /** Rows left out at upload (`skipInvalid`). */
  rejectedCount: number;
  byteCount: number;
  /** The variable columns, in file order. */
  columns: string[];
  createdAt: number;
};

/** Most rows of one chunk: a chunk is one send step of a run (a send request's cap). */
export const MAX_CHUNK_ROWS = 1000;

const NAME = /^[A-Za-z_][\w.-]{0,63}$/;
const beginSchema = z.object({
  templateId: z.number().int().positive(),
  filename: z.string().trim().min(1).max(255),
  columns: z.array(z.string().regex(NAME)).max(500),
});
const saveSchema = z.object({
  templateId: z.number().int().positive(),
  filename: z.string().trim().min(1).max(255),
  rows: z
    .array(
      z.object({
        line: z.number().int().positive().optional(),
        receiver: z.string().min(1).max(256),
        variables: z.record(z.string(), z.string()),
      }),
    )
    .min(1),
  chunkRows: z.number().int().min(1).max(MAX_CHUNK_ROWS).optional(),
});
export type CrowdBegin = z.input<typeof beginSchema>;
export type CrowdSave = z.input<typeof saveSchema>;

type FileRow = Selectable<CrowdFilesTable>;
const toFile = (r: FileRow): CrowdFile => ({
  id: Number(r.id),
  templateId: Number(r.template_id),
  filename: r.filename,
  status: r.status === 'complete' ? 'complete' : 'uploading',
  rowCount: Number(r.row_count),
  chunkCount: Number(r.chunk_count),
  rejectedCount: Number(r.rejected_count),
  byteCount: Number(r.byte_count),
  columns: r.columns_json ? (fromJson(r.columns_json) as string[]) : [],
  createdAt: Number(r.created_at),
});

/**
 * A chunk's rows as stored: `[line, receiver, ...values]` in the file's column order — the
 * column names once per file, not once per row (a million-row file is half the size).
 */
const encodeChunk = (columns: readonly string[], rows: readonly CrowdRow[]): string =>
  JSON.stringify(rows.map((r) => [r.line, r.receiver, ...columns.map((c) => r.variables[c] ?? '')]));
const decodeChunk = (columns: readonly string[], body: string): CrowdRow[] =>
  (JSON.parse(body) as [number, string, ...string[]][]).map(([line, receiver, ...values]) => {
    const variables: Record<string, string> = {};
    for (let i = 0; i < columns.length; i++) variables[columns[i]!] = values[i] ?? '';
    return { line, receiver, variables };
  });

/**
 * Repository of crowd files: the receiver lists (with per-receiver variables) that cron runs of
 * a template go to. A file is written as it is parsed — `begin`, `writeChunk` per 1,000 rows,
 * `complete` — so no process holds a whole file; until `complete` it is invisible, and `abort`
 * (or the scheduler's `purgeIncomplete` after a crash) removes what was written.
 *
 * @example
 * const crowds = createCrowdsRepo(db);
 * const f = await crowds.save({ templateId: 1, filename: 'vip.csv',
 *   rows: [{ receiver: 'a@x.com', variables: { name: 'Ann' } }] });
 * const rows = await crowds.chunk(f, 0); // [{ line: 2, receiver: 'a@x.com', variables: { name: 'Ann' } }]
 */
export function createCrowdsRepo(db: Db, deps: RepoDeps = {}) {
  const now = deps.now ?? Date.now;
  const getMeta = async (id: number): Promise<CrowdFile | undefined> => {
    const r = await db.selectFrom('crowd_files').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toFile(r);
  };
  const remove = async (id: number): Promise<boolean> => {
    await db.deleteFrom('crowd_chunks').where('file_id', '=', id).execute();
    return affected(await db.deleteFrom('crowd_files').where('id', '=', id).executeTakeFirst()) > 0;
  };

  const repo = {
    /** Starts a file for a live template (404 `TEMPLATE_NOT_FOUND` otherwise); returns its id. */
    async begin(input: CrowdBegin): Promise<number> {
      const v = parseInput(beginSchema, input);
      const t = await db
        .selectFrom('templates')
        .select('id')
        .where('id', '=', v.templateId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!t) throw errors.notFound('template', v.templateId);
      const r = await db
        .insertInto('crowd_files')
        .values({
          template_id: v.templateId,
          filename: v.filename,
          row_count: 0,
          status: 'uploading',
          chunk_count: 0,
          columns_json: JSON.stringify(v.columns),
          created_at: now(),
        })
        .executeTakeFirstOrThrow();
      return insertedId(r);
    },

    /** Writes chunk `index` of an uploading file (`columns` as given to `begin`). */
    async writeChunk(fileId: number, index: number, columns: readonly string[], rows: readonly CrowdRow[]) {
      await db
        .insertInto('crowd_chunks')
        .values({
          file_id: fileId,
          chunk_index: index,
          row_count: rows.length,
          body: encodeChunk(columns, rows),
        })
        .execute();
    },

    /** Marks an uploading file whole; from now on it is listed and runs may use it. */
    async complete(
      fileId: number,
      totals: { rowCount: number; chunkCount: number; rejectedCount: number; byteCount: number },
    ): Promise<CrowdFile> {
      await db
        .updateTable('crowd_files')
        .set({
          status: 'complete',
          row_count: totals.rowCount,
          chunk_count: totals.chunkCount,
          rejected_count: totals.rejectedCount,
          byte_count: totals.byteCount,
        })
        .where('id', '=', fileId)
        .where('status', '=', 'uploading')
        .execute();
      const f = await getMeta(fileId);
      // Purged as abandoned while it was still being written (an upload of many hours).
      if (f?.status !== 'complete')
        throw new AppError('CROWD_UPLOAD_EXPIRED', 409, 'the upload took too long; send it again');
      return f;
    },

    /** Removes an upload that failed (its chunks and its row); a complete file is left alone. */
    async abort(fileId: number): Promise<void> {
      const f = await getMeta(fileId);
      if (f?.status === 'uploading') await remove(fileId);
    },

    /** Removes uploads still incomplete that began before `before` (an ingest died mid-upload). */
    async purgeIncomplete(before: number): Promise<number> {
      const stale = await db
        .selectFrom('crowd_files')
        .select('id')
        .where('status', '=', 'uploading')
        .where('created_at', '<', before)
        .execute();
      for (const { id } of stale) await remove(Number(id));
      return stale.length;
    },

    /** Stores a whole crowd at once (seeds, tests); rows without `line` get their place + 1. */
    async save(input: CrowdSave): Promise<CrowdFile> {
      const v = parseInput(saveSchema, input);
      const columns = Object.keys(v.rows[0]!.variables);
      const id = await repo.begin({ templateId: v.templateId, filename: v.filename, columns });
      const size = v.chunkRows ?? MAX_CHUNK_ROWS;
      const rows = v.rows.map((r, i) => ({
        line: r.line ?? i + 2,
        receiver: r.receiver,
        variables: r.variables,
      }));
      let chunks = 0;
      for (let i = 0; i < rows.length; i += size)
        await repo.writeChunk(id, chunks++, columns, rows.slice(i, i + size));
      return repo.complete(id, { rowCount: rows.length, chunkCount: chunks, rejectedCount: 0, byteCount: 0 });
    },

    /** A file's metadata (any status), or undefined. */
    getMeta,

    /** The rows of chunk `index` of a file, or undefined when it has no such chunk. */
    async chunk(file: Pick<CrowdFile, 'id' | 'columns'>, index: number): Promise<CrowdRow[] | undefined> {
      const r = await db
        .selectFrom('crowd_chunks')
        .select('body')
        .where('file_id', '=', file.id)
        .where('chunk_index', '=', index)
        .executeTakeFirst();
      return r && decodeChunk(file.columns, r.body);
    },

    /** Every row of a complete file, chunk by chunk (exports, tests). */
    async *rows(fileId: number): AsyncGenerator<CrowdRow> {
      const f = await getMeta(fileId);
      if (f?.status !== 'complete') return;
      for (let i = 0; i < f.chunkCount; i++) yield* (await repo.chunk(f, i)) ?? [];
    },

    /** A template's newest complete file, or undefined. */
    async latest(templateId: number): Promise<CrowdFile | undefined> {
      return (await repo.listByTemplate(templateId, { limit: 1 }))[0];
    },

    /** A template's complete files, newest first. */
    async listByTemplate(templateId: number, opts: { limit?: number } = {}): Promise<CrowdFile[]> {
      const rs = await db
        .selectFrom('crowd_files')
        .selectAll()
        .where('template_id', '=', templateId)
        .where('status', '=', 'complete')
        .orderBy('id', 'desc')
        .limit(Math.min(1000, Math.max(1, opts.limit ?? 1000)))
        .execute();
      return rs.map(toFile);
    },

    /** Deletes a file and its rows for good (re-uploading is the undo); false when unknown. */
    delete: remove,
  };
  return repo;
}

export type CrowdsRepo = ReturnType<typeof createCrowdsRepo>;
