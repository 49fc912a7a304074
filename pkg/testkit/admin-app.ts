import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { pino } from 'pino';
import { adminRoutes } from '../api/admin/routes.ts';
import { type AuthEnv, auth } from '../api/auth.ts';
import { errorHandler, notFoundHandler } from '../api/errors.ts';
import type { Dialect } from '../store/db.ts';
import { createRepos } from '../store/repos.ts';
import { testDb } from './testkit.ts';

/** The admin token of test apps. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export type Call = (
  method: string,
  path: string,
  body?: unknown,
  opts?: { token?: string | null; contentType?: string; raw?: string },
) => Promise<{
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely, asserting shapes
  body: any;
  text: string;
}>;

/**
 * An in-process app mounting the admin API the way ingest does (`/v1/admin/*` behind
 * `auth({ adminToken })`) over a fresh database, capturing every log line unredacted — so tests
 * can prove that no secret reaches a log even without the logger's redaction.
 *
 * @example const t = await adminTestApp('mysql'); const r = await t.call('POST', '/v1/admin/apps', { name: 'x' });
 */
export async function adminTestApp(dialect: Dialect) {
  const tdb = await testDb(dialect);
  const repos = createRepos(tdb.db, { secretKey: randomBytes(32), dialect });
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void logLines.push(s) });
  const templateChanges: number[] = [];
  const accountChanges: number[] = [];

  const app = new Hono<AuthEnv>();
  app.onError(errorHandler(log));
  app.notFound(notFoundHandler);
  app.use('/v1/admin/*', auth({ adminToken: TEST_ADMIN_TOKEN }));
  app.route(
    '/v1/admin',
    adminRoutes({
      repos,
      log,
      onTemplateChanged: (id) => void templateChanges.push(id),
      onAccountChanged: (id) => void accountChanges.push(id),
    }),
  );

  const call: Call = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? TEST_ADMIN_TOKEN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined = opts.raw;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await app.request(path, {
      method,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  };

  return { app, repos, db: tdb.db, call, logLines, templateChanges, accountChanges, cleanup: tdb.cleanup };
}

export type AdminTestApp = Awaited<ReturnType<typeof adminTestApp>>;
