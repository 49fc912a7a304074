import type { Migration } from 'kysely';
import type { Dialect } from '../db.ts';

/** Nullable columns this migration adds, per table, in order (the MySQL DDL lists them so). */
const COLUMNS = {
  apps: [
    // Where status callbacks go; null = callbacks off.
    ['callback_url', 'varchar(2048)'],
    // Comma list of the lifecycle states to post.
    ['callback_states', 'varchar(512)'],
    // The app's Standard Webhooks secret, sealed like account configs.
    ['callback_secret_sealed', 'text'],
    // First characters of the secret, to tell secrets apart without opening the sealed one.
    ['callback_secret_hint', 'varchar(16)'],
  ],
  channel_accounts: [
    // Token in the account's provider receipt route /v1/callbacks/<ch>/<provider>/<id>/<token>.
    ['callback_token', 'varchar(64)'],
  ],
} as const;

/**
 * Status callbacks to the caller: an app's callback URL, wanted states and sealed signing
 * secret; a channel account's receipt-route token. One `ALTER TABLE` per column because SQLite
 * adds one column per statement; every column is nullable, so existing rows need no backfill.
 *
 * @example const MIGRATIONS = { '001-init': init, '002-callbacks': callbacks };
 */
export function callbacks(_dialect: Dialect): Migration {
  return {
    async up(db) {
      for (const [table, columns] of Object.entries(COLUMNS)) {
        for (const [name, type] of columns) {
          await db.schema.alterTable(table).addColumn(name, type).execute();
        }
      }
    },
    async down(db) {
      for (const [table, columns] of Object.entries(COLUMNS)) {
        for (const [name] of [...columns].reverse()) {
          await db.schema.alterTable(table).dropColumn(name).execute();
        }
      }
    },
  };
}
