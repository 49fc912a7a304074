import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db, Dialect } from './db.ts';
import { init } from './migrations/001-init.ts';
import { callbacks } from './migrations/002-callbacks.ts';
import { sms } from './migrations/003-sms.ts';
import { tenancy } from './migrations/004-tenancy.ts';
import { crowds } from './migrations/005-crowds.ts';

/** Migrations in order; each is a factory of the dialect so DDL types fit both databases. */
const MIGRATIONS: Readonly<Record<string, (d: Dialect) => Migration>> = {
  '001-init': init,
  '002-callbacks': callbacks,
  '003-sms': sms,
  '004-tenancy': tenancy,
  '005-crowds': crowds,
};

/**
 * Applies pending migrations. Safe to call from several processes at once: kysely takes a lock
 * table, and applied migrations are skipped.
 *
 * @example await migrateToLatest(db, 'sqlite');
 */
export async function migrateToLatest(db: Db, dialect: Dialect): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(Object.entries(MIGRATIONS).map(([k, f]) => [k, f(dialect)])),
  };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
