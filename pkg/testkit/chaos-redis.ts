import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisAnswers } from '../redis/local-server.ts';
import { freePort, waitFor } from './testkit.ts';

/** How a private Redis keeps its data: AOF with the given fsync policy, or nothing on disk. */
export type Persistence = 'always' | 'everysec' | 'none';

/** A private `redis-server` of a chaos scenario (see {@link startPrivateRedis}). */
export type PrivateRedis = Readonly<{
  url: string;
  port: number;
  /** Its working directory (the AOF lives here across restarts). */
  dir: string;
  /** SIGKILLs the server (a crash: whatever AOF has not fsynced is gone). */
  crash(): Promise<void>;
  /** `SHUTDOWN NOSAVE`: the server stops at once, without an RDB snapshot (AOF as written). */
  shutdownNosave(): Promise<void>;
  /** Starts the server again on the same port and dir and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it for good and removes its dir; idempotent. */
  stop(): Promise<void>;
}>;

/**
 * A `redis-server` of its own for a chaos scenario, on a free port, with AOF persistence
 * (`appendfsync always|everysec`) or none, no RDB snapshots, restartable on the same dir and
 * port, so a scenario can crash it and watch what survives. Throws when the binary is missing.
 *
 * @example
 * const redis = await startPrivateRedis('always');
 * await redis.crash();
 * await redis.start(); // the AOF is replayed: every acknowledged write is back
 * await redis.stop();
 */
export async function startPrivateRedis(persistence: Persistence): Promise<PrivateRedis> {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0)
    throw new Error('redis-server is not on PATH: the chaos suite needs the redis-server package');
  const dir = mkdtempSync(join(tmpdir(), 'push-chaos-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const aof =
    persistence === 'none'
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', persistence, '--aof-use-rdb-preamble', 'no'];
  let child: ChildProcess | undefined;
  let stopped = false;

  const exited = (c: ChildProcess) =>
    new Promise<void>((res) => {
      if (c.exitCode !== null || c.signalCode !== null) return res();
      c.once('exit', () => res());
    });

  async function start(): Promise<void> {
    if (stopped) throw new Error('this private Redis was stopped for good');
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...aof].concat([
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
        '--maxclients',
        '1000',
      ]),
      { stdio: 'ignore' },
    );
    c.on('error', () => undefined); // seen as "does not answer" below
    child = c;
    // Replaying a large AOF takes a moment; LOADING answers fail PING until it is done.
    await waitFor(`private redis-server on ${port}`, () => redisAnswers(url, 500), 30_000, 50);
  }

  async function crash(): Promise<void> {
    const c = child;
    if (!c) return;
    c.kill('SIGKILL');
    await exited(c);
    child = undefined;
  }

  async function shutdownNosave(): Promise<void> {
    const c = child;
    if (!c) return;
    const r = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    r.on('error', () => undefined);
    // The server closes the connection instead of answering: the rejection is the success.
    await r
      .connect()
      .then(() => r.call('SHUTDOWN', 'NOSAVE'))
      .catch(() => undefined);
    r.disconnect();
    await exited(c);
    child = undefined;
  }

  await start();
  return Object.freeze({
    url,
    port,
    dir,
    crash,
    shutdownNosave,
    start,
    async stop() {
      if (stopped) return;
      await crash();
      stopped = true;
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
