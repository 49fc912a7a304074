import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { testEnvironment } from '../config/test-env.ts';
import { createKeys, type Keys } from '../redis/keys.ts';
import { type Db, type Dialect, openDb } from '../store/db.ts';
import { migrateToLatest } from '../store/migrate.ts';

/**
 * Test fixtures over the real local services. Each test file gets its own Redis key prefix and
 * its own database, so files run in parallel without seeing each other.
 */
const services = testEnvironment();
export const TEST_REDIS_URL = services.redisUrl;
export const TEST_MYSQL_URL = services.mysqlUrl;

/**
 * A local port nothing listens on (bound, read, released): for servers a test starts on a
 * known port, or for a dependency that must not answer.
 *
 * @example const port = await freePort();
 */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A random suffix for prefixes and database names. */
export const randomTag = (): string => randomBytes(5).toString('hex');

/**
 * A Redis connection and a fresh key prefix; `cleanup()` deletes every key under the prefix.
 *
 * @example const r = await testRedis(); await r.redis.set(r.prefix + 'x', 1); await r.cleanup();
 */
export async function testRedis(): Promise<{
  redis: Redis;
  prefix: string;
  keys: Keys;
  url: string;
  cleanup(): Promise<void>;
}> {
  const prefix = `t${randomTag()}:`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
  return {
    redis,
    prefix,
    keys: createKeys(prefix),
    url: TEST_REDIS_URL,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10000);
        cursor = next;
        if (found.length) await redis.unlink(...found);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

/**
 * A migrated database of the given dialect: a fresh MariaDB database (dropped on cleanup) or a
 * temporary SQLite file.
 */
export async function testDb(
  dialect: Dialect,
): Promise<{ db: Db; url: string; dialect: Dialect; cleanup(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const url = `sqlite://${join(mkdtempSync(join(tmpdir(), 'push-test-')), 'test.db')}`;
    const { db } = openDb(url);
    await migrateToLatest(db, 'sqlite');
    return { db, url, dialect, cleanup: () => db.destroy() };
  }
  const name = `t_${randomTag()}`;
  const admin = await createConnection({ uri: TEST_MYSQL_URL });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const url = `${TEST_MYSQL_URL}/${name}`;
  const { db } = openDb(url, { poolSize: 5 });
  await migrateToLatest(db, 'mysql');
  return {
    db,
    url,
    dialect,
    async cleanup() {
      await db.destroy();
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws `what`). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
