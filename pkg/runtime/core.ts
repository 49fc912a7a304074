import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.ts';
import type { Keys } from '../keys/keys.ts';
import { createKeys } from '../keys/keys.ts';
import { createLedger, type Ledger } from '../lifecycle/ledger.ts';
import { type Db, type Dialect, openDb } from '../store/db.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { createRepos, type Repos } from '../store/repos.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { createTemplateCache, type TemplateCache } from '../templates/cache.ts';
import type { Closer } from './lifecycle.ts';
import { connectRedis } from './redis.ts';

/** What every process shares: config, logger, Redis, database, repositories, keys, ledger. */
export type Core = Readonly<{
  config: Config & {
    adminToken: string;
    secretKey: Buffer;
    generated?: { adminToken: boolean; secretKey: boolean };
  };
  log: Logger;
  redis: Redis;
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
  const log = createLogger({ level: config.logLevel, name });
  const redis = connectRedis(config.redisUrl, 'command');
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
  return Object.freeze({
    config: config as Core['config'],
    log,
    redis,
    db,
    dialect,
    repos: createRepos(db, { secretKey: config.secretKey }),
    keys,
    ledger,
    instance: `${name}-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
    closers: [
      { name: 'database', close: () => db.destroy() },
      { name: 'redis', close: () => redis.quit() },
    ],
  });
}

/**
 * A template cache that drops entries when any process announces a template change on
 * `keys.templateChanged()` (published by the admin API), over its own subscriber connection.
 */
export function subscribedTemplateCache(core: Core): { cache: TemplateCache; closer: Closer } {
  const cache = createTemplateCache({ load: (id) => core.repos.templates.getActive(id), ttlMs: 30_000 });
  const sub = connectRedis(core.config.redisUrl, 'subscriber');
  const channel = core.keys.templateChanged();
  // A SUBSCRIBE sent before the connection is ready can be lost by ioredis: wait for it.
  const subscribe = () =>
    sub.subscribe(channel).catch((err) => core.log.error({ err }, 'template change subscription failed'));
  if (sub.status === 'ready') subscribe();
  else sub.once('ready', subscribe);
  sub.on('message', (ch, msg) => {
    if (ch === channel) cache.invalidate(Number(msg) || undefined);
  });
  return { cache, closer: { name: 'template-subscriber', close: () => sub.quit() } };
}

/** Announces a template change to every process's cache. */
export const publishTemplateChanged = (core: Pick<Core, 'redis' | 'keys'>, id: number) =>
  core.redis.publish(core.keys.templateChanged(), String(id));
