import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { type AdminClient, createAdminClient } from '../../pkg/client/index.ts';
import type { MessageType, Route } from '../../pkg/domain/channels.ts';
import { createKeys, type Keys } from '../../pkg/redis/keys.ts';
import { partitionLeaseName } from '../../pkg/stats/leases.ts';
import { openDb } from '../../pkg/store/db.ts';
import { migrateToLatest } from '../../pkg/store/migrate.ts';
import type { ServiceProcess } from '../../pkg/testkit/processes.ts';
import { spawnServiceWith } from './child.ts';
import { onInterrupt } from './cleanup.ts';
import { dropPrefix, freePort, sleep } from './env.ts';

/** A random tag for key prefixes and database names. */
export const tag = (): string => randomBytes(4).toString('hex');

/**
 * A fresh, migrated MySQL/MariaDB database for one scenario; `drop()` removes it.
 *
 * @example const db = await createBenchDb('mysql://root@127.0.0.1:3306'); ...; await db.drop();
 */
export async function createBenchDb(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${tag()}`;
  const admin = await createConnection({ uri: serverUrl });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const url = `${serverUrl.replace(/\/$/, '')}/${name}`;
  const done = onInterrupt(() => admin.query(`DROP DATABASE IF EXISTS \`${name}\``));
  // Migrate once here, so the processes started next find the schema ready.
  const { db } = openDb(url, { poolSize: 2 });
  await migrateToLatest(db, 'mysql');
  await db.destroy();
  return {
    url,
    async drop() {
      done();
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

export type PlatformOptions = Readonly<{
  redisUrl: string;
  databaseUrl: string;
  /** The scenario's own connection (readiness checks, cleanup). */
  redis: Redis;
  ingest?: boolean;
  handlers?: number;
  aggregator?: boolean;
  /** Extra environment for every process (HANDLER_CONCURRENCY, BACKPRESSURE_HIGH_WATER, …). */
  env?: Readonly<Record<string, string>>;
  /** Write V8 CPU profiles of ingest and handler processes here (`--cpu-prof`). */
  profileDir?: string;
  /** Another handler entry point (path from the repository root), to compare a candidate change. */
  handlerScript?: string;
}>;

/** Real ingest/handler/aggregator processes on one fresh key prefix. */
export type Platform = Readonly<{
  prefix: string;
  keys: Keys;
  baseUrl: string;
  adminToken: string;
  admin: AdminClient;
  ingest: ServiceProcess | undefined;
  handlers: ServiceProcess[];
  aggregator: ServiceProcess | undefined;
  /** Starts one more handler process and waits until it reads the delivery streams. */
  addHandler(extra?: Record<string, string>): Promise<ServiceProcess>;
  /** Stops the given handler processes, default every one (SIGTERM: in-flight work settles, the rest stays queued). */
  stopHandlers(which?: readonly ServiceProcess[]): Promise<void>;
  /** Stops every process and deletes the prefix's keys. */
  stop(): Promise<void>;
}>;

const PARTITIONS = 8;

/**
 * Starts the chosen processes (each a real `services/<name>/main.ts`) on a new key prefix and
 * waits until they are ready: ingest answers /healthz, handlers joined the consumer group,
 * the aggregator holds every partition lease.
 *
 * @example
 * const p = await startPlatform({ redisUrl, databaseUrl: db.url, redis, ingest: true, handlers: 1, aggregator: true });
 * await p.stop();
 */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const prefix = `bench-${tag()}:`;
  const keys = createKeys(prefix);
  const port = await freePort();
  const adminToken = randomBytes(16).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'push-bench-'));
  const env: Record<string, string> = {
    REDIS_URL: opts.redisUrl,
    DATABASE_URL: opts.databaseUrl,
    KEY_PREFIX: prefix,
    ADMIN_TOKEN: adminToken,
    SECRET_KEY: randomBytes(32).toString('hex'),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EVENT_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: 'warn',
    REDIS_AUTOSTART: 'false',
    ...opts.env,
  };
  const all: ServiceProcess[] = [];
  const spawn = (name: string, e: Record<string, string>) => {
    let args: string[] = [];
    if (opts.profileDir && name !== 'aggregator') {
      const dir = join(opts.profileDir, name.includes('/') ? 'handler' : name);
      mkdirSync(dir, { recursive: true });
      args = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
    }
    const p = spawnServiceWith(name, e, args);
    all.push(p);
    return p;
  };
  const handlers: ServiceProcess[] = [];
  const baseUrl = `http://127.0.0.1:${port}`;

  const failIfExited = (p: ServiceProcess, name: string) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`${name} exited during start:\n${p.output().slice(-3000)}`);
  };

  /** Starts one more handler process; `extra` adds variables (e.g. HANDLER_ROUTES). */
  const addHandler = async (extra: Record<string, string> = {}): Promise<ServiceProcess> => {
    // Info level for its one start line (the hot path logs nothing below warn): a blocked
    // XREADGROUP does not show in XINFO CONSUMERS on Redis 7.0, so the log is the signal.
    const h = spawn(opts.handlerScript ?? 'handler', { ...env, ...extra, LOG_LEVEL: 'info' });
    handlers.push(h);
    await until('handler started', 60_000, () => {
      failIfExited(h, 'handler');
      return h.output().includes('"handler started"');
    });
    return h;
  };

  const stopAll = async (procs: ServiceProcess[]) => {
    await Promise.all(
      procs.map(async (p) => {
        const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
        await p.kill('SIGTERM');
        clearTimeout(timer);
      }),
    );
  };

  let ingest: ServiceProcess | undefined;
  let aggregator: ServiceProcess | undefined;
  const stop = async () => {
    await stopAll(all.filter((p) => p.child.exitCode === null && p.child.signalCode === null));
    await dropPrefix(opts.redis, prefix);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const done = onInterrupt(stop);
  try {
    if (opts.ingest ?? true) ingest = spawn('ingest', env);
    if (opts.aggregator) aggregator = spawn('aggregator', env);
    if (ingest) {
      const i = ingest;
      await until('ingest /healthz', 60_000, async () => {
        failIfExited(i, 'ingest');
        return fetch(`${baseUrl}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      });
    }
    for (let n = 0; n < (opts.handlers ?? 0); n++) await addHandler();
    if (aggregator) {
      const a = aggregator;
      await until('aggregator leases', 60_000, async () => {
        failIfExited(a, 'aggregator');
        const held = await Promise.all(
          Array.from({ length: PARTITIONS }, (_, p) => opts.redis.exists(keys.lease(partitionLeaseName(p)))),
        );
        return held.every((x) => x === 1);
      });
    }
  } catch (err) {
    await stop();
    done();
    throw err;
  }

  return Object.freeze({
    prefix,
    keys,
    baseUrl,
    adminToken,
    admin: createAdminClient({ baseUrl, token: adminToken }),
    ingest,
    handlers,
    aggregator,
    addHandler,
    /** Stops the given handler processes (default: all of them). */
    async stopHandlers(which: readonly ServiceProcess[] = handlers) {
      const stopping = [...which];
      for (const h of stopping) handlers.splice(handlers.indexOf(h), 1);
      await stopAll(stopping);
    },
    async stop() {
      await stop();
      done();
    },
  });
}

/**
 * The platform of one scenario run on its own database, with backpressure lifted (nothing may
 * cut a measurement short); `close()` stops the processes, deletes the keys and drops the database.
 *
 * @example
 * const p = await benchPlatform(ctx, { handlers: 1, aggregator: true });
 * try { ... } finally { await p.close(); }
 */
export async function benchPlatform(
  ctx: Readonly<{ redisUrl: string; mysqlUrl: string; redis: Redis }>,
  opts: Omit<PlatformOptions, 'redisUrl' | 'databaseUrl' | 'redis'>,
): Promise<Platform & { close(): Promise<void> }> {
  const db = await createBenchDb(ctx.mysqlUrl);
  try {
    const p = await startPlatform({
      ...opts,
      redisUrl: ctx.redisUrl,
      databaseUrl: db.url,
      redis: ctx.redis,
      // Benchmarks measure the platform, not the per-app default quota (APP_DEFAULT_RATE).
      env: { BACKPRESSURE_HIGH_WATER: '1000000000', APP_DEFAULT_RATE: '0', ...opts.env },
    });
    return {
      ...p,
      async close() {
        await p.stop();
        await db.drop();
      },
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

/** Polls `check` every 50 ms until true, or throws after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** One sandbox template to seed: its message type and the sandbox account's config. */
export type SeedRoute = Readonly<{ messageType: MessageType; account?: Record<string, unknown> }>;

/**
 * Seeds an app, one sandbox account per template (so latency injection is per route) and one
 * sandbox template per entry (quiet hours off), through the admin API.
 *
 * @example const s = await seedSandbox(p.admin, [{ messageType: 'notice' }]); s.templates[0].id
 */
export async function seedSandbox(
  admin: AdminClient,
  routes: readonly SeedRoute[],
): Promise<{ apiKey: string; templates: { id: number; accountId: number; route: Route }[] }> {
  const { apiKey, id: appId } = await admin.createApp({ name: `bench-${tag()}` });
  const templates: { id: number; accountId: number; route: Route }[] = [];
  for (const r of routes) {
    const account = await admin.createAccount({
      name: `sandbox-${r.messageType}-${tag()}`,
      channel: 'sandbox',
      provider: 'sandbox',
      config: r.account ?? {},
    });
    const t = await admin.createTemplate({
      name: `bench-${r.messageType}-${tag()}`,
      appId,
      channel: 'sandbox',
      messageType: r.messageType,
      accountId: account.id,
      content: { text: 'Hello {$name}, your code is {$code}' },
      shield: 'none',
    });
    templates.push({ id: t.id, accountId: account.id, route: `sandbox.${r.messageType}` });
  }
  // No quiet hours (the window is empty), so marketing is never parked for the morning.
  const cfg = await admin.getConfig();
  await admin.putConfig({ ...cfg, quietHours: { ...(cfg.quietHours ?? {}), start: '00:00', end: '00:00' } });
  return { apiKey, templates };
}
