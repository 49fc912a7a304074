import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A private Redis Cluster of local `redis-server` processes (see {@link startRedisCluster}). */
export type LocalCluster = Readonly<{
  /** `127.0.0.1:<port>` of every master, for REDIS_CLUSTER_NODES. */
  nodes: readonly string[];
  /** REDIS_CLUSTER_NODES as the environment spells it. */
  env: string;
  /** Stops every server and removes their files; idempotent. */
  stop(): Promise<void>;
}>;

/**
 * Starts a Redis Cluster of `masters` (default 3) nodes on free local ports, from the
 * `redis-server` and `redis-cli` binaries (no Docker, nothing installed: CI installs the
 * `redis-server` package), with no persistence, and waits for `cluster_state:ok` on every node.
 * Throws a clear error when the binaries are missing.
 *
 * @example
 * const cluster = await startRedisCluster();
 * const env = platformEnv(where, { REDIS_CLUSTER_NODES: cluster.env });
 * await cluster.stop();
 */
export async function startRedisCluster(opts: { masters?: number } = {}): Promise<LocalCluster> {
  const masters = opts.masters ?? 3;
  for (const bin of ['redis-server', 'redis-cli']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
      throw new Error(`${bin} is not on PATH: the Redis Cluster test needs the redis-server package`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'push-cluster-'));
  const children: ChildProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(children.map(stopChild));
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    const ports: number[] = [];
    while (ports.length < masters) {
      const port = await freeClusterPort();
      if (!ports.includes(port)) ports.push(port);
    }
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--daemonize',
          'no',
          '--loglevel',
          'warning',
        ],
        { stdio: 'ignore' },
      );
      child.on('error', () => undefined); // seen as "does not answer" below
      children.push(child);
    }
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await Promise.all(
      ports.map((p) => until(`redis-server on ${p} answers`, () => answers(p, 'PING', 'PONG'))),
    );
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`.slice(0, 2000));
    await Promise.all(
      ports.map((p) =>
        until(`cluster_state:ok on ${p}`, () => answers(p, 'CLUSTER', 'cluster_state:ok', 'INFO')),
      ),
    );
    return Object.freeze({ nodes, env: nodes.join(','), stop });
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A port that is free, with its cluster bus port (port + 10 000) free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 35_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

const isFree = (port: number) =>
  new Promise<boolean>((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });

/** Whether `command args` on the node at `port` answers something that contains `expect`. */
async function answers(port: number, command: string, expect: string, ...args: string[]): Promise<boolean> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return String(await r.call(command, ...args)).includes(expect);
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Polls `check` every 50 ms for up to 20 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', () => res());
    child.kill('SIGTERM');
  });
