import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Connection, createConnection } from 'mysql2/promise';
import { randomTag, TEST_MYSQL_URL, testDb } from '../testkit/testkit.ts';
import { openDb } from './db.ts';
import { migrateToLatest } from './migrate.ts';

/** Tables, columns and indexes of a database as information_schema describes them. */
async function describeSchema(conn: Connection, schema: string) {
  const [columns] = await conn.query(
    `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
            CHARACTER_SET_NAME, COLLATION_NAME
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [schema],
  );
  const [indexes] = await conn.query(
    `SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [schema],
  );
  const [tables] = await conn.query(
    `SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
    [schema],
  );
  return { tables, columns, indexes };
}

describe('sql/schema.sql', () => {
  let migrated: Awaited<ReturnType<typeof testDb>>;
  let conn: Connection;
  const fromFile = `t_sql_${randomTag()}`;
  before(async () => {
    migrated = await testDb('mysql');
    conn = await createConnection({ uri: TEST_MYSQL_URL, multipleStatements: true });
    await conn.query(`CREATE DATABASE \`${fromFile}\` CHARACTER SET utf8mb4`);
    await conn.query(`USE \`${fromFile}\``);
    await conn.query(readFileSync(new URL('../../sql/schema.sql', import.meta.url), 'utf8'));
  });
  after(async () => {
    await conn.query(`DROP DATABASE IF EXISTS \`${fromFile}\``);
    await conn.end();
    await migrated.cleanup();
  });

  test('creates the same tables, columns and indexes as the migrations', async () => {
    const migratedName = new URL(migrated.url).pathname.slice(1);
    const a = await describeSchema(conn, fromFile);
    const b = await describeSchema(conn, migratedName);
    assert.ok((a.tables as unknown[]).length >= 9, 'schema.sql created too few tables');
    assert.deepEqual(a.tables, b.tables);
    assert.deepEqual(a.columns, b.columns);
    assert.deepEqual(a.indexes, b.indexes);
  });

  test('a database made from schema.sql is up to date for the migrator', async () => {
    const { db } = openDb(`${TEST_MYSQL_URL}/${fromFile}`, { poolSize: 1 });
    try {
      assert.deepEqual(await migrateToLatest(db, 'mysql'), []);
    } finally {
      await db.destroy();
    }
  });
});
