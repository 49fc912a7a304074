import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Client } from 'undici';
import { listen } from '../../pkg/api/listen.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { testEnvironment } from '../../pkg/config/test-env.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { reportScenario } from '../../pkg/testkit/chaos-report.ts';
import {
  type FuzzContext,
  type FuzzOperation,
  type FuzzRequest,
  fuzzCases,
  operationsOf,
} from '../../pkg/testkit/fuzz-requests.ts';
import { platformEnv, sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { testDb, testRedis } from '../../pkg/testkit/testkit.ts';
import { standardRouters } from '../ingest/routers.ts';
import { buildIngest } from '../ingest/wire.ts';

/**
 * Fuzz of every operation in /openapi.json of the full ingest app (MariaDB, Redis): hostile
 * paths, queries, headers, credentials (admin, app key, none, broken) and bodies (near-valid
 * JSON with the route's own field names, wrong types, deep nesting, huge strings and arrays,
 * unicode edges, broken JSON, broken CSV). `FUZZ_RUNS` cases per route (default 20,000) through
 * `app.fetch` in process, plus `FUZZ_HTTP_RUNS` (default 200) over one real keep-alive
 * connection. Seeded by `FUZZ_SEED` (default fixed): a failure names the seed and the case.
 * Properties: never a 5xx; every 4xx is JSON `{error:{code,message}}`; the keep-alive
 * connection is only closed after a response that said `Connection: close`; a create answered
 * 4xx writes no row (rows added = creates answered 2xx).
 */
const { runs: RUNS, httpRuns: HTTP_RUNS, seed: SEED, routes: ONLY } = testEnvironment().fuzz;
const CHUNK = 250;
const CONCURRENCY = 8;

/** Creates whose table must grow by exactly their 2xx answers. */
const CREATES: Record<string, string> = {
  'POST /v1/admin/apps': 'apps',
  'POST /v1/admin/accounts': 'channel_accounts',
  'POST /v1/admin/templates': 'templates',
};

/** The seed of one route: the run's seed and the route, so routes do not share cases. */
const seedOf = (route: string, part: number): number =>
  createHash('sha256').update(`${SEED}:${route}:${part}`).digest().readInt32BE(0);

type Outcome = { status: number; contentType: string; body: string; close: boolean };

/** What is wrong with an answer (undefined: nothing). */
function violation(o: Outcome): string | undefined {
  if (o.status >= 500) return `status ${o.status}: ${o.body.slice(0, 300)}`;
  if (o.status < 400) return undefined;
  if (!/application\/json/i.test(o.contentType)) return `${o.status} with content-type ${o.contentType}`;
  try {
    const e = (JSON.parse(o.body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof e?.code !== 'string' || typeof e.message !== 'string')
      return `${o.status} not in the error shape: ${o.body.slice(0, 200)}`;
  } catch {
    return `${o.status} body is not JSON: ${o.body.slice(0, 200)}`;
  }
  return undefined;
}

/** A case as a short description (values past 200 characters shown as their start and length). */
const cut = (v: string): string => (v.length > 200 ? `${v.slice(0, 60)}…(${v.length} chars)` : v);
const describeCase = (r: FuzzRequest): string =>
  JSON.stringify({
    method: r.method,
    url: cut(r.url),
    headers: r.headers.map(([k, v]) => [k, cut(v)]),
    ...(r.body === undefined ? {} : { body: cut(r.body) }),
  });

async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('fuzz: every public route', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let fetchApp: (req: Request) => Response | Promise<Response>;
  let base: string;
  let ctx: FuzzContext;
  let ops: FuzzOperation[] = [];
  const closers: Closer[] = [];
  const counts: Record<string, { inProcess: number; http: number }> = {};
  const started = Date.now();
  const cpuAtStart = process.cpuUsage();

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    core = await openCore(
      withDevSecrets(
        loadConfig(platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { ACCESS_LOG: 'false' })),
      ),
      'fuzz',
    );
    const { routers, closers: routerClosers } = standardRouters(core);
    const ingest = buildIngest(core, routers);
    closers.push(...core.closers, ...routerClosers, ...ingest.closers);
    fetchApp = (req) => ingest.app.fetch(req);
    const http = await listen(ingest.app.fetch, { port: 0, host: '127.0.0.1', name: 'http' });
    closers.push(http.closer);
    base = `http://127.0.0.1:${http.port}`;
    const adminToken = core.config.adminToken!;
    const created = await ingest.app.request('/v1/admin/apps', {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'fuzz' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const app = (await created.json()) as { id: number; apiKey: string };
    const { accountId, templateId } = await sandboxTemplate(
      core.repos,
      { text: 'Code {$code}' },
      { appId: app.id },
    );
    ctx = {
      adminToken,
      appKey: app.apiKey,
      ids: [
        String(app.id),
        String(accountId),
        String(templateId),
        'sandbox',
        'sandbox.notice',
        'ann@example.com',
      ],
    };
    const doc = await (await ingest.app.request('/openapi.json')).json();
    ops = operationsOf(doc as Parameters<typeof operationsOf>[0]);
    assert.ok(ops.length > 40, `only ${ops.length} operations in /openapi.json`);
  });

  after(async () => {
    const total = Object.values(counts).reduce((s, c) => s + c.inProcess + c.http, 0);
    // CPU seconds of this process: the figure that stays comparable on a loaded machine.
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuS = Math.round((cpu.user + cpu.system) / 1e6);
    const perRoute = Object.entries(counts)
      .map(([k, c]) => `${k} ${c.inProcess}+${c.http}`)
      .join('; ');
    console.log(
      `fuzz: ${total} cases over ${Object.keys(counts).length} routes in ${Math.round((Date.now() - started) / 1000)} s (seed ${SEED})`,
    );
    reportScenario({
      scenario: `fuzz ${Object.keys(counts).length} routes`,
      accepted: 0,
      sent: 0,
      lost: 0,
      duplicated: 0,
      counters: 'rows added = creates answered 2xx',
      notes: `${total} cases, seed ${SEED}, ${Math.round((Date.now() - started) / 1000)} s (${cpuS} s CPU); cases per route (in process + keep-alive HTTP): ${perRoute}`,
    });
    for (const c of [...closers].reverse()) await c.close();
    await r?.cleanup();
    await t?.cleanup();
  });

  /** One case in process; SSE answers are cut after their head. */
  async function inProcess(fr: FuzzRequest): Promise<Outcome | undefined> {
    const abort = new AbortController();
    let req: Request;
    try {
      req = new Request(`http://localhost${fr.url}`, {
        method: fr.method,
        headers: fr.headers,
        signal: abort.signal,
        ...(fr.body === undefined ? {} : { body: fr.body }),
      });
    } catch {
      return undefined; // Not a request a client can send (fetch refuses it): nothing to test.
    }
    const res = await fetchApp(req);
    const contentType = res.headers.get('content-type') ?? '';
    if (/event-stream/.test(contentType)) {
      abort.abort();
      await res.body?.cancel().catch(() => {});
      return { status: res.status, contentType, body: '', close: false };
    }
    return { status: res.status, contentType, body: await res.text(), close: false };
  }

  async function count(table: string): Promise<number> {
    const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(core.db);
    return Number(row.rows[0]?.n ?? 0);
  }

  test('every operation', async (tt) => {
    for (const op of ops) {
      const route = `${op.method} ${op.path}`;
      if (ONLY && !ONLY.test(route)) continue;
      await tt.test(`fuzz ${route}`, async () => {
        const routeStart = Date.now();
        const next = fuzzCases(op, ctx, seedOf(route, 0));
        const failures: string[] = [];
        let cases = 0;
        let created = 0;
        const table = CREATES[route];
        const rowsBefore = table ? await count(table) : 0;
        for (let chunk = 0; cases < RUNS && failures.length < 5; chunk++) {
          const batch = Array.from({ length: Math.min(CHUNK, RUNS - cases) }, next);
          await pool(batch, CONCURRENCY, async (fr) => {
            const o = await inProcess(fr);
            cases++;
            if (!o) return;
            if (o.status >= 200 && o.status < 300) created++;
            const v = violation(o);
            if (v && failures.length < 5)
              failures.push(`${v}\n  case (seed ${SEED}, chunk ${chunk}): ${describeCase(fr)}`);
          });
        }
        if (table) {
          assert.equal(
            await count(table),
            rowsBefore + created,
            `${route}: rows added ≠ creates answered 2xx`,
          );
        }
        const inProcessMs = Date.now() - routeStart;
        const http = await overHttp(op, failures);
        counts[route] = { inProcess: cases, http };
        console.log(
          `fuzz ${route}: ${cases} in process (${inProcessMs} ms) + ${http} over keep-alive HTTP (${Date.now() - routeStart - inProcessMs} ms)`,
        );
        assert.deepEqual(failures, [], `${route}: ${failures.length} failing case(s)`);
      });
    }
  });

  /** A sample of the route's cases over one keep-alive connection; returns how many ran. */
  async function overHttp(op: FuzzOperation, failures: string[]): Promise<number> {
    const route = `${op.method} ${op.path}`;
    const client = new Client(base, { pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
    // Each answer that said `Connection: close` (or stream we cut) may end one connection; a
    // disconnect beyond those is a keep-alive the server dropped. Counted, not paired: the
    // disconnect event can come before the answer's promise resolves.
    let closesSaid = 0;
    let disconnects = 0;
    client.on('disconnect', () => {
      disconnects++;
    });
    const next = fuzzCases(op, ctx, seedOf(`http ${route}`, 0), Math.max(10, HTTP_RUNS));
    const batch = Array.from({ length: HTTP_RUNS }, next);
    let ran = 0;
    try {
      for (const fr of batch) {
        // Framing headers are the client's own business over a real connection.
        const headers = fr.headers
          .filter(([k]) => k !== 'content-length' && k !== 'transfer-encoding')
          .flat();
        const abort = new AbortController();
        try {
          const res = await client.request({
            path: fr.url,
            method: fr.method as 'GET',
            headers,
            signal: abort.signal,
            // undici closes by itself after a body on a DELETE unless told not to: the
            // connection's fate must be the server's answer here.
            reset: false,
            ...(fr.body === undefined ? {} : { body: fr.body }),
          });
          const contentType = String(res.headers['content-type'] ?? '');
          const saidClose = String(res.headers.connection ?? '').toLowerCase() === 'close';
          if (saidClose) closesSaid++;
          let body = '';
          if (/event-stream/.test(contentType)) {
            // Cutting a stream closes its connection: that one is ours, not a drop.
            closesSaid++;
            abort.abort();
          } else body = await res.body.text();
          ran++;
          const v = violation({ status: res.statusCode, contentType, body, close: saidClose });
          if (v && failures.length < 5) failures.push(`HTTP: ${v}\n  case: ${describeCase(fr)}`);
        } catch (err) {
          const e = err as Error & { code?: string };
          if (e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED') continue;
          if (e.code === 'UND_ERR_INVALID_ARG') continue; // a request undici will not send
          if (failures.length < 5)
            failures.push(`HTTP: ${e.code ?? e.name} ${e.message}\n  case: ${describeCase(fr)}`);
        }
      }
    } finally {
      await client.close().catch(() => {});
    }
    // The client's own close at the end is one disconnect too.
    const drops = disconnects - closesSaid - 1;
    if (drops > 0) failures.push(`HTTP: ${drops} keep-alive connection(s) dropped without Connection: close`);
    return ran;
  }
});
