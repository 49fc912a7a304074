import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { onInterrupt } from './cleanup.ts';
import { freePort, sleep } from './env.ts';

/**
 * Starts a private `redis-server` for the benchmarks (no persistence, loopback only), so the
 * measurements see no other client of a shared server: INFO commandstats, memory and CPU are
 * the benchmark's own. `stop()` shuts it down.
 *
 * @example const r = await startPrivateRedis(); ...; await r.stop();
 */
export async function startPrivateRedis(
  bin = 'redis-server',
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxclients',
      '10000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out = (out + b.toString()).slice(-5000);
  });
  child.stderr.on('data', (b: Buffer) => {
    out = (out + b.toString()).slice(-5000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const done = onInterrupt(stop);
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited:\n${out}`);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') break;
    } catch {
      probe.disconnect();
    }
    if (i > 100) throw new Error(`redis-server did not answer on ${port}:\n${out}`);
    await sleep(50);
  }
  probe.disconnect();
  return {
    url,
    async stop() {
      await stop();
      done();
    },
  };
}
