import { type Migration, sql } from 'kysely';
import type { Dialect } from '../db.ts';

/**
 * Initial schema. Kept portable: the same builder calls produce the MySQL DDL in
 * `sql/schema.sql` (a test compares them) and the embedded SQLite schema.
 */
export function init(dialect: Dialect): Migration {
  const big = dialect === 'mysql' ? 'bigint' : 'integer';
  const longText = dialect === 'mysql' ? sql`mediumtext` : sql`text`;

  return {
    async up(db) {
      await db.schema
        .createTable('apps')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('api_key_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('api_key_hint', 'varchar(16)', (c) => c.notNull())
        .addColumn('rate_limit', 'integer')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('deleted_at', big)
        .execute();

      await db.schema
        .createTable('channel_accounts')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('channel', 'varchar(32)', (c) => c.notNull())
        .addColumn('provider', 'varchar(32)', (c) => c.notNull())
        .addColumn('config_sealed', 'text', (c) => c.notNull())
        .addColumn('rate_limit', 'integer')
        .addColumn('rate_burst', 'integer')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('deleted_at', big)
        .execute();
      await db.schema
        .createIndex('channel_accounts_channel')
        .on('channel_accounts')
        .column('channel')
        .execute();

      await db.schema
        .createTable('templates')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('channel', 'varchar(32)', (c) => c.notNull())
        .addColumn('message_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('account_id', 'integer', (c) => c.notNull())
        .addColumn('content', longText, (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('shield', 'varchar(16)', (c) => c.notNull())
        .addColumn('timezone', 'varchar(64)')
        .addColumn('cron', 'varchar(128)')
        .addColumn('description', 'varchar(512)')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('deleted_at', big)
        .execute();
      await db.schema.createIndex('templates_channel').on('templates').column('channel').execute();
      await db.schema.createIndex('templates_account').on('templates').column('account_id').execute();

      await db.schema
        .createTable('crowd_files')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('template_id', 'integer', (c) => c.notNull())
        .addColumn('filename', 'varchar(255)', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('body', longText, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('crowd_files_template').on('crowd_files').column('template_id').execute();

      await db.schema
        .createTable('sms_records')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('message_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('template_id', 'integer', (c) => c.notNull())
        .addColumn('account_id', 'integer', (c) => c.notNull())
        .addColumn('phone', 'varchar(32)', (c) => c.notNull())
        .addColumn('provider', 'varchar(32)', (c) => c.notNull())
        .addColumn('provider_message_id', 'varchar(128)')
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('status_code', 'varchar(64)')
        .addColumn('status_message', 'varchar(512)')
        .addColumn('sent_at', big, (c) => c.notNull())
        .addColumn('receipt_at', big)
        .execute();
      await db.schema.createIndex('sms_records_message').on('sms_records').column('message_id').execute();
      await db.schema
        .createIndex('sms_records_provider_msg')
        .on('sms_records')
        .columns(['provider', 'provider_message_id'])
        .execute();
      await db.schema
        .createIndex('sms_records_phone_sent')
        .on('sms_records')
        .columns(['phone', 'sent_at'])
        .execute();

      await db.schema
        .createTable('config')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', longText, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('updated_by', 'varchar(128)', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('config_audit')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('old_value', longText)
        .addColumn('new_value', longText, (c) => c.notNull())
        .addColumn('actor', 'varchar(128)', (c) => c.notNull())
        .addColumn('at', big, (c) => c.notNull())
        .execute();
    },
    async down(db) {
      for (const t of [
        'config_audit',
        'config',
        'sms_records',
        'crowd_files',
        'templates',
        'channel_accounts',
        'apps',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}
