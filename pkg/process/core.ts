import { hostname } from 'node:os';
import type { Config } from '../config/config.ts';
import { createLedger, type Ledger } from '../lifecycle/ledger.ts';
import { connectRedis, type RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { createKeys } from '../redis/keys.ts';
import { type Db, type Dialect, openDb } from '../store/db.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { createRepos, type Repos } from '../store/repos.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { announcingApps } from '../tenancy/app-keys.ts';
import type { Closer } from './shutdown.ts';

/** What every process shares: config, logger, Redis, database, repositories, keys, ledger. */
export type Core = Readonly<{
  config: Config & {
    adminToken: string;
    secretKey: Buffer;
    generated?: { adminToken: boolean; secretKey: boolean };
  };
  log: Logger;
  redis: RedisClient;
  db: Db;
  dialect: Dialect;
  repos: Repos;
  keys: Keys;
  ledger: Ledger;
  /** A name unique to this process, for consumer groups and leases. */
  instance: string;
  /** Clients to close last, in this order reversed. */
  closers: Closer[];
}>;

/**
 * Opens the shared clients of a process and applies migrations (idempotent; safe when several
 * processes start at once).
 *
 * @example const core = await openCore(withDevSecrets(loadConfig()), 'handler');
 */
export async function openCore(
  config: Config & { adminToken?: string | undefined; secretKey?: Buffer | undefined },
  name: string,
): Promise<Core> {
  if (!config.adminToken || !config.secretKey)
    throw new Error('openCore needs adminToken and secretKey (withDevSecrets)');
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    redact: config.logRedact,
    name,
  });
  const redis = connectRedis(config, 'command');
  await redis.ping();
  const { db, dialect } = openDb(config.databaseUrl);
  await migrateToLatest(db, dialect);
  const keys = createKeys(config.keyPrefix);
  const ledger = createLedger({
    redis,
    keys,
    partitions: config.eventPartitions,
    ttlMs: config.traceTtlDays * 86_400_000,
  });
  const repos = createRepos(db, {
    secretKey: config.secretKey,
    dialect,
    allowPrivateCallbacks: config.callbacks.allowPrivateNetworks,
  });
  return Object.freeze({
    config: config as Core['config'],
    log,
    redis,
    db,
    dialect,
    // Key rotations and revocations reach every ingest instance's auth cache at once.
    repos: Object.freeze({ ...repos, apps: announcingApps(repos.apps, { redis, keys }) }),
    keys,
    ledger,
    instance: `${name}-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
    closers: [
      { name: 'database', close: () => db.destroy() },
      { name: 'redis', close: () => redis.quit() },
    ],
  });
}
