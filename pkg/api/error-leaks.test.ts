import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { AppError } from '../domain/errors.ts';
import { createLogger } from '../telemetry/logger.ts';
import { createApp } from './app.ts';
import { maskMessage, scrubInternalError } from './error-scrub.ts';

// An internal error is answered with a generic 500 and logged without the secret values it may
// carry: a driver error holds the failed SQL with its bound values (mysql2 puts it on `sql`
// and `sqlMessage`), and a message may quote a config value.

const ADMIN = 'admin-token-for-the-leak-test';
const SECRET = 'sk_live_9f8e7d6c5b4a39281706';

/** An error shaped like mysql2's on a failed INSERT of an account whose config holds a secret. */
function driverError(): Error {
  const sql = `INSERT INTO channel_accounts (name, config) VALUES ('shop', '{"appSecret":"${SECRET}"}')`;
  const err = new Error(`You have an error in your SQL syntax near '${SECRET}' at line 1`) as Error &
    Record<string, unknown>;
  Object.assign(err, {
    code: 'ER_PARSE_ERROR',
    errno: 1064,
    sqlState: '42000',
    sqlMessage: err.message,
    sql,
  });
  return err;
}

function capture() {
  let text = '';
  const destination = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { log: createLogger({ level: 'debug', name: 'ingest', destination }), text: () => text };
}

describe('errors never leak', () => {
  const out = capture();
  const app = createApp({
    log: out.log,
    adminToken: ADMIN,
    lookupApp: async () => undefined,
    ready: async () => ({}),
    admin: new Hono()
      .post('/accounts', () => {
        throw driverError();
      })
      .get('/boom', () => {
        throw new TypeError(`Cannot read properties of undefined (reading '${SECRET}')`);
      })
      .get('/rejects', async () => Promise.reject(driverError())),
  });

  for (const [method, path] of [
    ['POST', '/v1/admin/accounts'],
    ['GET', '/v1/admin/boom'],
    ['GET', '/v1/admin/rejects'],
  ] as const) {
    test(`${method} ${path}: a generic 500, no stack, SQL or secret in the body`, async () => {
      const res = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      assert.equal(res.status, 500);
      const body = await res.text();
      assert.deepEqual(JSON.parse(body), { error: { code: 'INTERNAL', message: 'internal error' } });
      for (const leak of [SECRET, 'INSERT', 'SQL', ' at ', '.ts:']) assert.ok(!body.includes(leak), leak);
    });
  }

  test('the log records the failure (route, error class) but no secret value and no SQL text', () => {
    const text = out.text();
    assert.match(text, /unhandled error/);
    assert.ok(text.includes('/v1/admin/accounts'), 'the log names the route');
    assert.ok(!text.includes(SECRET), `a secret reached the log: ${text.slice(0, 2000)}`);
    assert.ok(!text.includes('INSERT INTO'), 'the SQL text reached the log');
    assert.ok(!text.includes(ADMIN), 'the admin token reached the log');
  });
});

describe('scrubInternalError', () => {
  test('masks quoted values and token-like runs, drops the SQL, keeps the class and the cause chain scrubbed', () => {
    assert.equal(maskMessage(`near '${SECRET}' at line 1`), 'near ? at line 1');
    assert.equal(maskMessage(`key ${SECRET} rejected`), 'key ? rejected');
    const inner = driverError();
    const outer = new SyntaxError(`bad "${SECRET}"`, { cause: inner });
    const same = scrubInternalError(outer);
    assert.equal(same, outer);
    assert.ok(same instanceof SyntaxError);
    assert.ok(!JSON.stringify({ m: same.message, s: same.stack }).includes(SECRET));
    assert.ok(!('sql' in inner) && !inner.message.includes(SECRET));
  });
  test('expected errors keep their messages (they are written for the caller)', () => {
    const e = new AppError('TEMPLATE_NOT_FOUND', 404, "template 'welcome' does not exist");
    assert.equal(scrubInternalError(e).message, "template 'welcome' does not exist");
  });
});
