import { type Migration, sql } from 'kysely';
import type { Dialect } from '../db.ts';

/** Columns this migration adds to `templates`, in order (the MySQL DDL lists them so). */
const COLUMNS = [
  // The app that owns the template; null only for rows older than tenancy with no app to give.
  ['app_id', 'integer', null],
  // JSON array of the other apps that may send with it.
  ['shared_with_apps', 'varchar(2048)', null],
  // Moves on every edit; recorded on each message sent with it.
  ['version', 'integer', 1],
  // What a sensitive-dictionary match does: none | mask | block.
  ['sensitive_policy', 'varchar(16)', 'none'],
] as const;

/**
 * Tenancy: every template belongs to one app and may be shared with others; a version number
 * that moves on each edit; a sensitive-words policy. Templates made before tenancy are given
 * to the oldest live app (the quickstart's demo app), so existing senders keep sending.
 *
 * @example const MIGRATIONS = { …, '004-tenancy': tenancy };
 */
export function tenancy(dialect: Dialect): Migration {
  return {
    async up(db) {
      for (const [name, type, dflt] of COLUMNS) {
        await db.schema
          .alterTable('templates')
          .addColumn(name, type, (c) => (dflt === null ? c : c.notNull().defaultTo(dflt)))
          .execute();
      }
      await db.schema.createIndex('templates_app').on('templates').column('app_id').execute();
      await sql`UPDATE templates SET app_id = (SELECT MIN(id) FROM apps WHERE deleted_at IS NULL) WHERE app_id IS NULL`.execute(
        db,
      );
    },
    async down(db) {
      // SQLite's DROP INDEX names no table (indexes are schema-wide there); MySQL's must.
      const drop = db.schema.dropIndex('templates_app');
      await (dialect === 'mysql' ? drop.on('templates') : drop).execute();
      for (const [name] of [...COLUMNS].reverse()) {
        await db.schema.alterTable('templates').dropColumn(name).execute();
      }
    },
  };
}
