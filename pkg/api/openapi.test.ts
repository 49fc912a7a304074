import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { standardRouters } from '../../services/ingest/routers.ts';
import { buildIngest } from '../../services/ingest/wire.ts';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { type Core, openCore } from '../process/core.ts';
import type { Closer } from '../process/shutdown.ts';
import { platformEnv } from '../testkit/platform.ts';
import { testDb, testRedis } from '../testkit/testkit.ts';
import { consoleRoutes } from './console/routes.ts';
import { TAG_LIST } from './openapi.ts';

/**
 * Routes not described in /openapi.json yet, as `METHOD /path` with `{param}` placeholders:
 * each is converted to `createRoute` by its owner, then removed here. The test fails on an entry
 * that is described by now, so this list only shrinks; the goal is empty.
 */
const NOT_YET_DESCRIBED: readonly string[] = [];

/** Served, but pages rather than API operations: the console and the reference page. */
const isPage = (path: string) =>
  path === '/openapi.json' || /^\/console(\/|$)/.test(path) || /^\/docs(\/|$)/.test(path);

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Operation = {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type Doc = { paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>> };

/** Needs no credential (DESIGN.md): probes and providers' receipt pushes. */
const PUBLIC = /^(GET \/(healthz|readyz|metrics)|POST \/v1\/callbacks\/)/;

describe('/openapi.json describes every route of the full ingest app', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  const closers: Closer[] = [];
  let routes: string[] = [];
  let doc: Doc;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, op: item[m]! })),
    );

  before(async () => {
    r = await testRedis();
    t = await testDb('sqlite');
    core = await openCore(
      withDevSecrets(loadConfig(platformEnv({ prefix: r.prefix, databaseUrl: t.url }))),
      'openapi-test',
    );
    const { routers, closers: routerClosers } = standardRouters(core);
    const ingest = buildIngest(core, { ...routers, pages: consoleRoutes({}) });
    closers.push(...core.closers, ...routerClosers, ...ingest.closers);
    // Every route the app serves, once per method and path (middleware is method ALL).
    routes = [
      ...new Set(
        ingest.app.routes
          .filter((x) => x.method !== 'ALL' && !isPage(x.path))
          .map((x) => `${x.method} ${x.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
      ),
    ].sort();
    const res = await ingest.app.request('/openapi.json');
    assert.equal(res.status, 200);
    doc = (await res.json()) as Doc;
  });

  after(async () => {
    for (const c of [...closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  test('every served route is an operation with at least one response (or is listed as not yet)', () => {
    assert.ok(routes.length > 40, `only ${routes.length} routes found`);
    const described = new Set(operations().map((o) => o.key));
    const missing = routes.filter((k) => !described.has(k) && !NOT_YET_DESCRIBED.includes(k));
    assert.deepEqual(missing, [], 'routes missing from /openapi.json');
    const stale = NOT_YET_DESCRIBED.filter((k) => described.has(k));
    assert.deepEqual(stale, [], 'described now: remove these from NOT_YET_DESCRIBED');
    const gone = NOT_YET_DESCRIBED.filter((k) => !routes.includes(k));
    assert.deepEqual(gone, [], 'no longer served: remove these from NOT_YET_DESCRIBED');
    for (const { key, op } of operations()) {
      assert.ok(Object.keys(op.responses ?? {}).length > 0, `${key} has no response`);
    }
  });

  test('every operation is a served route: nested routers keep their prefix', () => {
    const served = new Set(routes);
    assert.deepEqual(
      operations()
        .map((o) => o.key)
        .filter((k) => !served.has(k)),
      [],
    );
    // A sub-router with absolute paths mounted under a prefix serves (and documents) them twice.
    assert.deepEqual(
      routes.filter((k) => /\/v1\/.*\/v1\//.test(k)),
      [],
      'paths with the /v1 prefix twice: a sub-router mounted under a prefix must use relative paths',
    );
    // Mounted through two .route() levels: /v1/admin → /apps → /{id}/rotate-key.
    for (const k of [
      'POST /v1/admin/apps/{id}/rotate-key',
      'POST /v1/admin/accounts/{id}/test',
      'GET /v1/admin/providers',
      'GET /v1/admin/config/history',
      'POST /v1/callbacks/{channel}/{provider}/{accountId}/{token}',
      'GET /metrics',
    ]) {
      assert.ok(served.has(k) && operations().some((o) => o.key === k), k);
    }
  });

  test('each operation has a summary, a known tag, security unless public, and errors in the one shape', () => {
    const tags = new Set(TAG_LIST.map((x) => x.name));
    // Every problem at once, so one run shows all that is left to describe.
    const problems: string[] = [];
    for (const { key, op } of operations()) {
      if (!op.summary || op.summary.length <= 3) problems.push(`${key}: no summary`);
      if (!op.tags?.length || !op.tags.every((x) => tags.has(x))) problems.push(`${key}: tags ${op.tags}`);
      if (PUBLIC.test(key)) {
        if (op.security?.length) problems.push(`${key}: needs no credential`);
      } else {
        if (JSON.stringify(op.security) !== '[{"bearer":[]}]') problems.push(`${key}: no bearer security`);
        if (!op.responses?.['401']) problems.push(`${key}: 401 not documented`);
      }
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        if (Number(status) < 400 || key === 'GET /readyz') continue;
        if (res.content?.['application/json']?.schema?.$ref !== '#/components/schemas/Error')
          problems.push(`${key} ${status}: not the Error shape`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('request bodies and parameters are described', () => {
    const byKey = new Map(operations().map((o) => [o.key, o.op as Record<string, unknown>]));
    const body = (k: string) =>
      (byKey.get(k)?.requestBody as { content: Record<string, { schema: { properties?: object } }> })
        ?.content['application/json']?.schema;
    assert.ok(body('POST /v1/admin/apps')?.properties && 'name' in body('POST /v1/admin/apps')!.properties!);
    assert.ok('config' in (body('POST /v1/admin/accounts')?.properties ?? {}));
    assert.ok('discardTemplateIds' in (body('PUT /v1/admin/config')?.properties ?? {}));
    const params = (k: string) =>
      ((byKey.get(k)?.parameters ?? []) as { name: string; in: string }[]).map((p) => `${p.in}:${p.name}`);
    assert.deepEqual(params('GET /v1/admin/apps/{id}'), ['path:id']);
    assert.ok(params('GET /v1/admin/accounts').includes('query:channel'));
    assert.ok(params('PUT /v1/admin/config').includes('header:x-actor'));
    assert.ok(params('GET /v1/admin/config/history').includes('query:limit'));
  });
});
