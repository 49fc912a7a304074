// `npm run migrate`: applies the database migrations and exits.
import { configOrExit } from '../../pkg/config/config.ts';
import { openDb, redactUrl } from '../../pkg/store/db.ts';
import { migrateToLatest } from '../../pkg/store/migrate.ts';

const config = configOrExit('migrate');
const { db, dialect } = openDb(config.databaseUrl);
try {
  const applied = await migrateToLatest(db, dialect);
  process.stdout.write(
    `${redactUrl(config.databaseUrl)}: ${applied.length ? `applied ${applied.join(', ')}` : 'already up to date'}\n`,
  );
} finally {
  await db.destroy();
}
