import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../db.ts';

/** The templates DDL line of `account_id` as 001-init made it, and as it becomes. */
const NOT_NULL = /"account_id" integer not null/;

/**
 * SQLite cannot change a column's nullability in place: the table is rebuilt from its own DDL
 * (read back from sqlite_master, so every other column stays as it is), rows copied, indexes
 * made again. Runs inside the migration's transaction.
 */
async function rebuildTemplates(db: Kysely<unknown>, nullable: boolean): Promise<void> {
  const { rows } = await sql<{
    sql: string;
  }>`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'templates'`.execute(db);
  const ddl = rows[0]?.sql ?? '';
  const next = nullable
    ? ddl.replace(NOT_NULL, '"account_id" integer')
    : ddl.replace(/"account_id" integer(?! not null)/, '"account_id" integer not null');
  if (next === ddl) return; // already in the wanted form
  await sql.raw(next.replace(/create table "templates"/i, 'create table "templates_003"')).execute(db);
  // Going back, a routed template (no account) keeps 0: the column cannot hold null then.
  await sql
    .raw(
      nullable
        ? 'INSERT INTO "templates_003" SELECT * FROM "templates"'
        : 'INSERT INTO "templates_003" SELECT id, name, channel, message_type, COALESCE(account_id, 0), content, status, shield, timezone, cron, description, created_at, updated_at, deleted_at FROM "templates"',
    )
    .execute(db);
  await sql.raw('DROP TABLE "templates"').execute(db);
  await sql.raw('ALTER TABLE "templates_003" RENAME TO "templates"').execute(db);
  await db.schema.createIndex('templates_channel').on('templates').column('channel').execute();
  await db.schema.createIndex('templates_account').on('templates').column('account_id').execute();
}

/**
 * SMS: a template may leave its account out (`account_id` null) and be routed by the live
 * config's weighted account list of its route; SMS records get the billed segments and the
 * sending app, and one record per message (`message_id` unique), so the record writer can
 * insert idempotently.
 *
 * @example const MIGRATIONS = { …, '003-sms': sms };
 */
export function sms(dialect: Dialect): Migration {
  // SQLite's DROP INDEX names no table (indexes are schema-wide there); MySQL's must.
  const dropIndex = (db: Kysely<unknown>, name: string) =>
    dialect === 'mysql'
      ? db.schema.dropIndex(name).on('sms_records').execute()
      : db.schema.dropIndex(name).execute();
  return {
    async up(db) {
      if (dialect === 'mysql') {
        await db.schema.alterTable('templates').modifyColumn('account_id', 'integer').execute();
      } else {
        await rebuildTemplates(db, true);
      }
      await db.schema.alterTable('sms_records').addColumn('segments', 'integer').execute();
      await db.schema.alterTable('sms_records').addColumn('app_id', 'integer').execute();
      await dropIndex(db, 'sms_records_message');
      await db.schema
        .createIndex('sms_records_message')
        .on('sms_records')
        .column('message_id')
        .unique()
        .execute();
      // Receipts name the account's provider id (and number): their lookup.
      await db.schema
        .createIndex('sms_records_account_pmid')
        .on('sms_records')
        .columns(['account_id', 'provider_message_id'])
        .execute();
      await db.schema
        .createIndex('sms_records_account_status')
        .on('sms_records')
        .columns(['account_id', 'status', 'sent_at'])
        .execute();
    },
    async down(db) {
      await dropIndex(db, 'sms_records_account_status');
      await dropIndex(db, 'sms_records_account_pmid');
      await dropIndex(db, 'sms_records_message');
      await db.schema.createIndex('sms_records_message').on('sms_records').column('message_id').execute();
      await db.schema.alterTable('sms_records').dropColumn('app_id').execute();
      await db.schema.alterTable('sms_records').dropColumn('segments').execute();
      if (dialect === 'mysql') {
        await db
          .updateTable('templates' as never)
          .set({ account_id: 0 } as never)
          .where('account_id' as never, 'is', null)
          .execute();
        await db.schema
          .alterTable('templates')
          .modifyColumn('account_id', 'integer', (c) => c.notNull())
          .execute();
      } else {
        await rebuildTemplates(db, false);
      }
    },
  };
}
