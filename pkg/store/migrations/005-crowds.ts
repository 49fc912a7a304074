import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../db.ts';

/** Rows per chunk of a file converted from the one-body form (the old run's chunk size). */
const CONVERT_CHUNK_ROWS = 1000;

/** Columns this migration adds to `crowd_files`, in order (the MySQL DDL lists them so). */
const FILE_COLUMNS = [
  // `uploading` while chunks are written; files made before this were whole.
  ['status', 'varchar(16)', 'complete'],
  ['chunk_count', 'integer', 0],
  ['columns_json', 'text', null],
  ['rejected_count', 'integer', 0],
  ['byte_count', 'bigint', 0],
] as const;

type OldRow = { receiver: string; variables: Record<string, string> };

/** Splits the old body (one JSON `{receiver, variables}` per line) into chunk rows of the new form. */
function convertBody(body: string): { columns: string[]; chunks: unknown[][][] } {
  const rows = body === '' ? [] : body.split('\n').map((l) => JSON.parse(l) as OldRow);
  const columns = Object.keys(rows[0]?.variables ?? {});
  const chunks: unknown[][][] = [];
  rows.forEach((r, i) => {
    // Line numbers were not kept: the row's place under a one-line header stands in.
    const row = [i + 2, r.receiver, ...columns.map((c) => r.variables[c] ?? '')];
    if (i % CONVERT_CHUNK_ROWS === 0) chunks.push([]);
    chunks.at(-1)!.push(row);
  });
  return { columns, chunks };
}

/** The old body of a file, rebuilt from its chunks (down). */
async function bodyOf(db: Kysely<unknown>, fileId: number, columns: string[]): Promise<string> {
  const { rows } = await sql<{
    body: string;
  }>`SELECT body FROM crowd_chunks WHERE file_id = ${fileId} ORDER BY chunk_index`.execute(db);
  const lines: string[] = [];
  for (const c of rows) {
    for (const [, receiver, ...values] of JSON.parse(c.body) as [number, string, ...string[]][]) {
      lines.push(
        JSON.stringify({
          receiver,
          variables: Object.fromEntries(columns.map((k, i) => [k, values[i] ?? ''])),
        }),
      );
    }
  }
  return lines.join('\n');
}

/**
 * Crowd files at scale: a file's rows live in `crowd_chunks` (written as the upload is parsed,
 * so no process ever holds a whole file), the file row says when it is complete, and every cron
 * run is recorded in `crowd_runs` with what it read, accepted, rejected and skipped. Existing
 * files are converted into chunks of 1,000 rows (the old run's chunk size, so a run in progress
 * resumes at the same chunk), then their one-text body column goes.
 *
 * @example const MIGRATIONS = { …, '005-crowds': crowds };
 */
export function crowds(dialect: Dialect): Migration {
  const big = dialect === 'mysql' ? 'bigint' : 'integer';
  const longText = dialect === 'mysql' ? sql`mediumtext` : sql`text`;
  return {
    async up(db) {
      for (const [name, type, dflt] of FILE_COLUMNS) {
        const t = type === 'bigint' ? big : type;
        await db.schema
          .alterTable('crowd_files')
          .addColumn(name, t, (c) => (dflt === null ? c : c.notNull().defaultTo(dflt)))
          .execute();
      }
      await db.schema
        .createTable('crowd_chunks')
        .addColumn('file_id', 'integer', (c) => c.notNull())
        .addColumn('chunk_index', 'integer', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('body', longText, (c) => c.notNull())
        .addPrimaryKeyConstraint('crowd_chunks_pk', ['file_id', 'chunk_index'])
        .execute();
      await db.schema
        .createTable('crowd_runs')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('template_id', 'integer', (c) => c.notNull())
        .addColumn('run_at', big, (c) => c.notNull())
        .addColumn('file_id', 'integer')
        .addColumn('app_id', 'integer')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('reason', 'varchar(512)')
        .addColumn('rows_total', 'integer', (c) => c.notNull())
        .addColumn('rows_read', 'integer', (c) => c.notNull())
        .addColumn('accepted', 'integer', (c) => c.notNull())
        .addColumn('rejected', 'integer', (c) => c.notNull())
        .addColumn('skipped', 'integer', (c) => c.notNull())
        .addColumn('chunks_total', 'integer', (c) => c.notNull())
        .addColumn('chunks_done', 'integer', (c) => c.notNull())
        .addColumn('rejections', 'text')
        .addColumn('started_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('finished_at', big)
        .execute();
      // One record per run, whichever scheduler instance opens it first.
      await db.schema
        .createIndex('crowd_runs_template_run')
        .on('crowd_runs')
        .columns(['template_id', 'run_at'])
        .unique()
        .execute();

      const { rows: files } = await sql<{ id: number }>`SELECT id FROM crowd_files ORDER BY id`.execute(db);
      for (const { id } of files) {
        const { rows } = await sql<{ body: string }>`SELECT body FROM crowd_files WHERE id = ${id}`.execute(
          db,
        );
        const { columns, chunks } = convertBody(rows[0]?.body ?? '');
        for (const [i, chunk] of chunks.entries()) {
          await sql`INSERT INTO crowd_chunks (file_id, chunk_index, row_count, body)
                    VALUES (${id}, ${i}, ${chunk.length}, ${JSON.stringify(chunk)})`.execute(db);
        }
        await sql`UPDATE crowd_files SET chunk_count = ${chunks.length},
                  columns_json = ${JSON.stringify(columns)} WHERE id = ${id}`.execute(db);
      }
      await db.schema.alterTable('crowd_files').dropColumn('body').execute();
    },
    async down(db) {
      await db.schema.alterTable('crowd_files').addColumn('body', longText).execute();
      // Files still uploading were never visible: they go.
      await sql`DELETE FROM crowd_chunks WHERE file_id IN
                (SELECT id FROM crowd_files WHERE status <> 'complete')`.execute(db);
      await sql`DELETE FROM crowd_files WHERE status <> 'complete'`.execute(db);
      const { rows: files } = await sql<{
        id: number;
        columns_json: string | null;
      }>`SELECT id, columns_json FROM crowd_files ORDER BY id`.execute(db);
      for (const f of files) {
        const body = await bodyOf(db, Number(f.id), JSON.parse(f.columns_json ?? '[]') as string[]);
        await sql`UPDATE crowd_files SET body = ${body} WHERE id = ${f.id}`.execute(db);
      }
      // SQLite cannot make a column NOT NULL in place; there it stays nullable (always filled).
      if (dialect === 'mysql') {
        await db.schema
          .alterTable('crowd_files')
          .modifyColumn('body', longText, (c) => c.notNull())
          .execute();
      }
      await db.schema.dropTable('crowd_runs').execute();
      await db.schema.dropTable('crowd_chunks').execute();
      for (const [name] of [...FILE_COLUMNS].reverse()) {
        await db.schema.alterTable('crowd_files').dropColumn(name).execute();
      }
    },
  };
}
