import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import { privateDir, privateFile } from '../files/private.ts';
import type { Database } from './schema.ts';

export type Dialect = 'mysql' | 'sqlite';
export type Db = Kysely<Database>;

/**
 * Opens the database named by a URL: `mysql://user:pass@host:port/db` (mysql2 pool) or
 * `sqlite://<path>` (embedded file; `sqlite://:memory:` for a throwaway).
 *
 * @example const { db, dialect } = openDb('sqlite://./data/push.db'); await db.destroy();
 */
export function openDb(url: string, opts: { poolSize?: number } = {}): { db: Db; dialect: Dialect } {
  if (url.startsWith('sqlite://')) {
    const path = url.slice('sqlite://'.length);
    if (path !== ':memory:') {
      // A folder the platform makes is 0700; one that exists is the operator's to set.
      if (!existsSync(dirname(path))) privateDir(dirname(path));
      // 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
      privateFile(path);
      for (const side of ['-wal', '-shm']) if (existsSync(path + side)) privateFile(path + side);
    }
    const database = new SQLite(path);
    // WAL lets the four processes of the embedded setup read while one writes.
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite' };
  }
  if (url.startsWith('mysql://')) {
    const pool = createPool({
      uri: url,
      connectionLimit: opts.poolSize ?? 10,
      // Epoch-ms columns are BIGINT: return them as JS numbers (safe far beyond year 9999).
      supportBigNumbers: true,
      bigNumberStrings: false,
      timezone: 'Z',
      charset: 'utf8mb4',
    });
    return { db: new Kysely<Database>({ dialect: new MysqlDialect({ pool }) }), dialect: 'mysql' };
  }
  throw new Error(`DATABASE_URL: unsupported scheme in ${redactUrl(url)}`);
}

/** Hides the password of a URL for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
