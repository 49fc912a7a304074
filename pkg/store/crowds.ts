import type { Selectable } from 'kysely';
import { z } from 'zod';
import { errors } from '../domain/errors.ts';
import type { CrowdRow } from './crowd-csv.ts';
import type { Db } from './db.ts';
import { affected, insertedId, invalid, parseInput, type RepoDeps } from './repo-kit.ts';
import type { CrowdFilesTable } from './schema.ts';

/** A stored crowd file without its rows (lists). */
export type CrowdFile = {
  id: number;
  templateId: number;
  filename: string;
  rowCount: number;
  createdAt: number;
};
/** A crowd file with its rows (what a cron run sends to). */
export type CrowdFileWithRows = CrowdFile & { rows: CrowdRow[] };

const saveSchema = z.object({
  templateId: z.number().int().positive(),
  filename: z.string().trim().min(1).max(255),
  rows: z
    .array(
      z.object({
        receiver: z.string().min(1).max(256),
        variables: z.record(z.string(), z.string()),
      }),
    )
    .min(1),
});
export type CrowdSave = z.input<typeof saveSchema>;

const toFile = (r: Omit<Selectable<CrowdFilesTable>, 'body'>): CrowdFile => ({
  id: Number(r.id),
  templateId: Number(r.template_id),
  filename: r.filename,
  rowCount: Number(r.row_count),
  createdAt: Number(r.created_at),
});

/** MySQL MEDIUMTEXT holds 16 MiB; stay clear of it. */
const MAX_BODY_BYTES = 15 * 1024 * 1024;

/** One JSON object per line: a crowd is read back whole, and lines keep the body greppable. */
const encodeRows = (rows: readonly CrowdRow[]): string => rows.map((r) => JSON.stringify(r)).join('\n');
const decodeRows = (body: string): CrowdRow[] =>
  body === '' ? [] : body.split('\n').map((l) => JSON.parse(l) as CrowdRow);

/**
 * Repository of crowd files: the receiver lists (with per-receiver variables) that scheduled
 * sends of a template go to. Parse CSV with `parseCrowdCsv` first.
 *
 * @example
 * const crowds = createCrowdsRepo(db);
 * const f = await crowds.save({ templateId: 1, filename: 'vip.csv',
 *   rows: [{ receiver: 'a@x.com', variables: { name: 'Ann' } }] });
 */
export function createCrowdsRepo(db: Db, deps: RepoDeps = {}) {
  const now = deps.now ?? Date.now;
  const meta = ['id', 'template_id', 'filename', 'row_count', 'created_at'] as const;
  const getMeta = async (id: number): Promise<CrowdFile | undefined> => {
    const r = await db.selectFrom('crowd_files').select(meta).where('id', '=', id).executeTakeFirst();
    return r && toFile(r);
  };
  return {
    /** Stores a crowd for a live template (404 `TEMPLATE_NOT_FOUND` otherwise). */
    async save(input: CrowdSave): Promise<CrowdFile> {
      const v = parseInput(saveSchema, input);
      const body = encodeRows(v.rows);
      if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
        throw invalid([
          { path: 'rows', message: `crowd larger than ${MAX_BODY_BYTES} bytes; split the file` },
        ]);
      }
      const id = await db.transaction().execute(async (trx) => {
        const t = await trx
          .selectFrom('templates')
          .select('id')
          .where('id', '=', v.templateId)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (!t) throw errors.notFound('template', v.templateId);
        const r = await trx
          .insertInto('crowd_files')
          .values({
            template_id: v.templateId,
            filename: v.filename,
            row_count: v.rows.length,
            body,
            created_at: now(),
          })
          .executeTakeFirstOrThrow();
        return insertedId(r);
      });
      return (await getMeta(id))!;
    },

    /** A crowd file with its rows, or undefined. */
    async get(id: number): Promise<CrowdFileWithRows | undefined> {
      const r = await db.selectFrom('crowd_files').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { ...toFile(r), rows: decodeRows(r.body) };
    },

    /** A crowd file's metadata (no rows), or undefined. */
    getMeta,

    /** A template's crowd files, newest first, without rows. */
    async listByTemplate(templateId: number): Promise<CrowdFile[]> {
      const rs = await db
        .selectFrom('crowd_files')
        .select(meta)
        .where('template_id', '=', templateId)
        .orderBy('id', 'desc')
        .execute();
      return rs.map(toFile);
    },

    /** Deletes a crowd file for good (it is an upload, re-uploading is the undo); false when unknown. */
    async delete(id: number): Promise<boolean> {
      const r = await db.deleteFrom('crowd_files').where('id', '=', id).executeTakeFirst();
      return affected(r) > 0;
    },
  };
}

export type CrowdsRepo = ReturnType<typeof createCrowdsRepo>;
