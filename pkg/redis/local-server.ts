import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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

/**
 * For the embedded quickstart: when nothing answers at `url` (a local address), start a private
 * `redis-server` on that port, installing Debian's package first when the binary is missing and
 * we may (root with apt-get). It keeps nothing on disk and stops with this process.
 *
 * @example const local = await ensureLocalRedis({ url: 'redis://127.0.0.1:6379', dataDir: './data', log });
 */
export async function ensureLocalRedis(opts: {
  url: string;
  dataDir: string;
  log: Logger;
  allowInstall?: boolean;
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
  const dir = `${opts.dataDir}/redis`;
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(
    bin,
    [
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--loglevel',
      'warning',
    ],
    // Its own process group: a Ctrl-C in the terminal must not stop Redis under the clients
    // that are still draining; our shutdown stops it last.
    { stdio: 'ignore', detached: true },
  );
  for (let i = 0; i < 50 && !(await redisAnswers(opts.url, 500)); i++)
    await new Promise((r) => setTimeout(r, 100));
  if (!(await redisAnswers(opts.url))) {
    child.kill('SIGKILL');
    throw new Error(`started ${bin} on port ${port} but it does not answer`);
  }
  opts.log.info({ port, pid: child.pid }, 'started a private redis-server');
  return {
    started: true,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}
