import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { testDb } from '../../testkit/testkit.ts';
import { crowds } from './005-crowds.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`migration 005-crowds (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    before(async () => {
      t = await testDb(dialect);
    });
    after(() => t.cleanup());

    const tables = async () => (await t.db.introspection.getTables()).map((x) => x.name);
    const columnsOf = async (table: string) =>
      (await t.db.introspection.getTables()).find((x) => x.name === table)?.columns.map((c) => c.name) ?? [];

    test('files of one body become chunks of 1,000 rows; down rebuilds the body; up again', async () => {
      await crowds(dialect).down!(t.db);
      assert.ok(!(await tables()).includes('crowd_chunks'));
      assert.ok((await columnsOf('crowd_files')).includes('body'));
      // A file as the one-body schema stored it: one JSON object per line.
      const rows = Array.from({ length: 2_345 }, (_, i) => ({
        receiver: `r${i}`,
        variables: { name: `N${i}`, code: `${i}` },
      }));
      const body = rows.map((r) => JSON.stringify(r)).join('\n');
      await sql`INSERT INTO crowd_files (template_id, filename, row_count, body, created_at)
                VALUES (1, 'old.csv', ${rows.length}, ${body}, 5)`.execute(t.db);

      await crowds(dialect).up(t.db);
      assert.ok(!(await columnsOf('crowd_files')).includes('body'));
      const f = await t.db.selectFrom('crowd_files').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual(
        [f.status, Number(f.chunk_count), f.columns_json, Number(f.row_count)],
        ['complete', 3, '["name","code"]', 2_345],
      );
      const chunks = await t.db.selectFrom('crowd_chunks').selectAll().orderBy('chunk_index').execute();
      assert.deepEqual(
        chunks.map((c) => Number(c.row_count)),
        [1000, 1000, 345],
      );
      assert.deepEqual(JSON.parse(chunks[2]!.body)[0], [2_002, 'r2000', 'N2000', '2000']);

      await crowds(dialect).down!(t.db);
      const back = await sql<{ body: string }>`SELECT body FROM crowd_files`.execute(t.db);
      assert.equal(back.rows[0]!.body, body);
      await crowds(dialect).up(t.db);
      assert.ok((await tables()).includes('crowd_runs'));
      const n = await t.db
        .selectFrom('crowd_chunks')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 3);
    });
  });
}
