import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../telemetry/logger.ts';

/** Whether a Redis answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const which = (bin: string): string | undefined => {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};

/** How often the private Redis fsyncs its append-only file (`REDIS_APPENDFSYNC`). */
export type AppendFsync = 'always' | 'everysec' | 'no';

/**
 * The `redis-server` arguments of the private Redis: append-only file on (fsync per `fsync`),
 * no RDB save points (the AOF's own RDB preamble is its snapshot), everything under `dir`.
 *
 * @example localServerArgs({ port: '6379', dir: '/srv/data/redis', fsync: 'everysec' }) // ['--port', '6379', …]
 */
export function localServerArgs(o: { port: string; dir: string; fsync: AppendFsync }): string[] {
  return [
    ['--port', o.port],
    ['--bind', '127.0.0.1'],
    ['--dir', o.dir],
    ['--appendonly', 'yes'],
    ['--appendfsync', o.fsync],
    ['--save', ''],
    ['--logfile', join(o.dir, 'redis.log')],
    ['--loglevel', 'warning'],
    // Work must never be evicted (README, Redis durability): a full Redis refuses writes instead.
    ['--maxmemory-policy', 'noeviction'],
  ].flat();
}

/** The last lines of the private Redis's log, for a start failure's message. */
const logTail = (dir: string): string => {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return 'no log';
  }
};

/**
 * For the embedded quickstart: when nothing answers at `url` (a local address), start a private
 * `redis-server` on that port, installing Debian's package first when the binary is missing and
 * we may (root with apt-get). It keeps its data in `<dataDir>/redis` (mode 0700, files 0600) as an
 * append-only file fsynced per `appendfsync` (default every second), so a restart of `npm start`
 * or of the machine finds the accepted work again; `stop()` shuts it down with SHUTDOWN, which
 * flushes and fsyncs the file.
 *
 * @example const local = await ensureLocalRedis({ url: 'redis://127.0.0.1:6379', dataDir: './data', log });
 */
export async function ensureLocalRedis(opts: {
  url: string;
  dataDir: string;
  log: Logger;
  allowInstall?: boolean;
  appendfsync?: AppendFsync;
  /** Longest wait for it to answer; loading a large append-only file takes a while. */
  startTimeoutMs?: number;
}): Promise<{ started: boolean; stop(): Promise<void> }> {
  const none = { started: false, stop: async () => undefined };
  if (await redisAnswers(opts.url)) return none;
  const u = new URL(opts.url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname)) {
    throw new Error(`no Redis answers at ${u.host} and it is not a local address; set REDIS_URL`);
  }
  let bin =
    which('redis-server') ??
    (spawnSync('test', ['-x', '/usr/bin/redis-server']).status === 0 ? '/usr/bin/redis-server' : undefined);
  if (!bin && opts.allowInstall !== false && process.getuid?.() === 0 && which('apt-get')) {
    opts.log.info('redis-server not found: installing the Debian package');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    // `env` adds the one variable apt needs to never prompt; the rest is inherited as is.
    const r = spawnSync(
      'env',
      ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'redis-server'],
      {
        stdio: 'ignore',
      },
    );
    if (r.status === 0) bin = which('redis-server') ?? '/usr/bin/redis-server';
  }
  if (!bin)
    throw new Error('no Redis answers and redis-server is not installed (apt-get install redis-server)');
  const port = u.port || '6379';
  // Absolute: redis-server changes into `--dir` before it opens its log file.
  const dir = resolve(opts.dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const args = localServerArgs({ port, dir, fsync: opts.appendfsync ?? 'everysec' });
  // `umask 077` in a shell that then becomes redis-server: its AOF, RDB and log are 0600.
  const child: ChildProcess = spawn('sh', ['-c', 'umask 077 && exec "$0" "$@"', bin, ...args], {
    // Its own process group: a Ctrl-C in the terminal must not stop Redis under the clients
    // that are still draining; our shutdown stops it last.
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  // PING answers LOADING (not PONG) while the append-only file is read back.
  while (child.exitCode === null && Date.now() < deadline && !(await redisAnswers(opts.url, 500)))
    await new Promise((r) => setTimeout(r, 100));
  if (child.exitCode !== null || !(await redisAnswers(opts.url))) {
    child.kill('SIGKILL');
    throw new Error(
      `started ${bin} on port ${port} but it does not answer (${dir}/redis.log: ${logTail(dir)})`,
    );
  }
  opts.log.info({ port, pid: child.pid, dir }, 'started a private redis-server (append-only file)');
  return {
    started: true,
    stop: async () => {
      if (child.exitCode !== null) return;
      await shutdownRedis(opts.url).catch(() => child.kill('SIGTERM'));
      const late = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(late);
    },
  };
}

/** Sends SHUTDOWN (the append-only file is flushed and fsynced first); the server closes the connection. */
async function shutdownRedis(url: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.call('SHUTDOWN').catch((err: Error) => {
      // The server closes the connection as it exits: that is success, not an error.
      if (!/Connection is closed|ECONNRESET|closed/i.test(err.message)) throw err;
    });
  } finally {
    r.disconnect();
  }
}
