import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../telemetry/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { platformEnv } from '../testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../testkit/processes.ts';
import { freePort, testDb, testRedis, waitFor } from '../testkit/testkit.ts';
import { dependencyChecks, startOpsServer } from './ops-server.ts';

const log = createLogger({ level: 'silent', name: 'ops-test' });

describe('ops endpoints of processes without an API', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
  });
  after(async () => {
    await r.cleanup();
    await t.cleanup();
  });

  test('healthz, readyz with each dependency, metrics; no port serves nothing', async () => {
    const none = await startOpsServer({ port: undefined, host: '127.0.0.1', log, ready: async () => ({}) });
    assert.equal(none.port, undefined);
    assert.equal(none.closers.length, 0);

    const metrics = createMetrics({ process: 'handler' });
    const ops = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      log,
      registry: metrics.registry,
      ready: dependencyChecks({ redis: r.redis, db: t.db }),
    });
    try {
      const base = `http://127.0.0.1:${ops.port}`;
      assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), {
        status: 'ready',
        checks: { redis: { ok: true }, database: { ok: true } },
      });
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(text, /process_cpu_user_seconds_total\{process="handler"\}/);
    } finally {
      for (const c of ops.closers) await c.close();
    }
  });

  test('readyz answers 503 naming the dependency that does not answer', async () => {
    const down = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    const ops = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      log,
      ready: dependencyChecks({ redis: down, db: t.db }),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${ops.port}/readyz`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
      assert.equal(body.status, 'not_ready');
      assert.equal(body.checks.redis?.ok, false);
      assert.equal(body.checks.database?.ok, true);
    } finally {
      for (const c of ops.closers) await c.close();
      down.disconnect();
    }
  });

  test('the aggregator and handler processes serve them on OPS_PORT', async () => {
    const procs: ServiceProcess[] = [];
    try {
      for (const name of ['aggregator', 'handler']) {
        const port = await freePort();
        const env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { OPS_PORT: String(port) });
        const p = spawnService(name, env);
        procs.push(p);
        const body = await waitFor(
          `${name} /readyz`,
          async () => {
            const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
            return res?.status === 200
              ? ((await res.json()) as { checks: Record<string, unknown> })
              : undefined;
          },
          30_000,
          100,
        ).catch((err: Error) => {
          throw new Error(`${err.message}\n${p.output()}`);
        });
        if (name === 'aggregator') {
          assert.deepEqual(body?.checks.aggregator, { ok: true, detail: { eventsNotFolded: 0, pending: 0 } });
        } else {
          assert.deepEqual(body?.checks, { redis: { ok: true }, database: { ok: true } });
        }
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        assert.match(metrics, new RegExp(`process="${name}"`));
      }
    } finally {
      for (const p of procs) assert.equal(await p.kill('SIGTERM'), 0, p.output());
    }
  });
});
