import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { errorHandler } from '../api/errors.ts';
import { type Db, openDb } from '../store/db.ts';
import { silentLogger } from '../telemetry/logger.ts';
import { startTcpProxy, type TcpProxy, targetOf, viaProxy } from '../testkit/tcp-proxy.ts';
import { freePort, TEST_MYSQL_URL, testDb } from '../testkit/testkit.ts';
import { isDatabaseUnavailable } from './database-unavailable.ts';

/** The error a query throws, from real drivers against a database that is not there. */
async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  assert.fail('expected the query to fail');
}

describe('isDatabaseUnavailable (real driver errors)', () => {
  let t: Awaited<ReturnType<typeof testDb>>;
  let proxy: TcpProxy;
  let viaDb: Db;

  before(async () => {
    t = await testDb('mysql');
    proxy = await startTcpProxy(targetOf(TEST_MYSQL_URL));
    viaDb = openDb(viaProxy(t.url, proxy.port), { poolSize: 2 }).db;
  });
  after(async () => {
    await viaDb.destroy();
    await proxy.close();
    await t.cleanup();
  });

  test('mysql2: connection refused, connection lost under an open pool; not a bad query', async () => {
    const port = await freePort();
    const { db } = openDb(`mysql://root@127.0.0.1:${port}/nothing`, { poolSize: 1 });
    const refused = await errorOf(() => sql`select 1`.execute(db));
    await db.destroy();
    assert.equal(isDatabaseUnavailable(refused), true, String(refused));

    await sql`select 1`.execute(viaDb); // a pooled connection through the proxy
    await proxy.stop();
    const lost = await errorOf(() => sql`select 1`.execute(viaDb));
    assert.equal(isDatabaseUnavailable(lost), true, String(lost));
    await proxy.resume();
    await sql`select 1`.execute(viaDb);

    const bad = await errorOf(() => sql`select * from no_such_table`.execute(viaDb));
    assert.equal(isDatabaseUnavailable(bad), false, String(bad));
  });

  test('better-sqlite3: SQLITE_BUSY while another connection holds the write lock', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'push-busy-')), 'busy.db');
    const a = new SQLite(file);
    const b = new SQLite(file);
    try {
      a.exec('create table x (v integer)');
      b.pragma('busy_timeout = 0');
      a.exec('begin exclusive');
      const busy = await errorOf(async () => b.exec('insert into x values (1)'));
      a.exec('rollback');
      assert.equal(isDatabaseUnavailable(busy), true, String(busy));
      const dup = await errorOf(async () => a.exec('create table x (v integer)'));
      assert.equal(isDatabaseUnavailable(dup), false);
    } finally {
      a.close();
      b.close();
    }
  });

  test('wrapped errors (cause, AggregateError) count; plain errors do not', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:3306'), { code: 'ECONNREFUSED' });
    assert.equal(isDatabaseUnavailable(new Error('outer', { cause: refused })), true);
    assert.equal(isDatabaseUnavailable(new AggregateError([refused])), true);
    assert.equal(isDatabaseUnavailable(new Error('nope')), false);
    assert.equal(isDatabaseUnavailable(undefined), false);
  });

  test('the error handler answers 503 DATABASE_UNAVAILABLE with Retry-After, no host or driver words', async () => {
    const app = new Hono();
    app.onError(errorHandler(silentLogger));
    app.get('/x', () => {
      throw Object.assign(new Error('connect ECONNREFUSED db.internal.example:3306 select * from apps'), {
        code: 'ECONNREFUSED',
      });
    });
    const res = await app.request('/x');
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    const text = await res.text();
    assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'DATABASE_UNAVAILABLE');
    assert.doesNotMatch(text, /ECONNREFUSED|db\.internal|3306|select/i);
  });
});
