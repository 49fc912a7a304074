import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { type Core, openCore } from '../process/core.ts';
import { platformEnv } from './platform.ts';
import { type ServiceProcess, spawnService } from './processes.ts';
import { freePort, testDb, testRedis, waitFor } from './testkit.ts';

/**
 * A platform of real processes for fleet tests: the test's own Redis prefix and MariaDB
 * database, an ingest process on a free port (waited for), handler processes on demand, and a
 * core in the test process for the repositories and the ledger. Tuned for tests that make
 * providers fail mid-run: short retries, a 5 s visibility timeout, 20 deliveries in flight.
 *
 * @example
 * const fleet = await startFleet('wechat-e2e');
 * fleet.spawnHandlers(2);
 * // … createClient({ baseUrl: fleet.base, apiKey }) …
 * await fleet.close();
 */
export async function startFleet(name: string, extra: Readonly<Record<string, string>> = {}) {
  const r = await testRedis();
  const t = await testDb('mysql');
  const env = platformEnv(
    { prefix: r.prefix, databaseUrl: t.url },
    {
      RETRY_BASE_MS: '100',
      RETRY_MAX_MS: '400',
      MAX_ATTEMPTS: '4',
      VISIBILITY_TIMEOUT_MS: '5000',
      HANDLER_CONCURRENCY: '20',
      ...extra,
    },
  );
  const core: Core = await openCore(withDevSecrets(loadConfig(env)), name);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const procs: ServiceProcess[] = [spawnService('ingest', { ...env, PORT: String(port) })];
  /** Every process's output, for failure messages. */
  const output = () => procs.map((p) => p.output()).join('\n---\n');
  await waitFor(
    'ingest up',
    () =>
      fetch(`${base}/healthz`).then(
        (res) => res.ok,
        () => false,
      ),
    30_000,
    100,
  ).catch((err) => {
    throw new Error(`${err.message}\n${output()}`);
  });
  return {
    env,
    core,
    base,
    output,
    /** Starts `n` handler processes. */
    spawnHandlers(n: number) {
      for (let i = 0; i < n; i++) procs.push(spawnService('handler', env));
    },
    async close() {
      await Promise.all(procs.map((p) => p.kill('SIGKILL')));
      for (const c of [...core.closers].reverse()) await c.close();
      await r.cleanup();
      await t.cleanup();
    },
  };
}

export type Fleet = Awaited<ReturnType<typeof startFleet>>;
