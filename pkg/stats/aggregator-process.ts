import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/**
 * Starts `services/aggregator/main.ts` as a real child process (tests, benchmarks), on its own
 * key prefix. Its stderr/stdout are kept (last 20 kB) for failure messages.
 *
 * @example const p = spawnAggregator({ prefix: 't1:', redisUrl, partitions: 8, leaseMs: 1500 }); p.child.kill('SIGKILL');
 */
export function spawnAggregator(opts: {
  prefix: string;
  redisUrl: string;
  partitions: number;
  leaseMs?: number;
  timezone?: string;
  logLevel?: string;
}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  // withDevSecrets writes generated credentials here; removed when the process exits.
  const dataDir = mkdtempSync(join(tmpdir(), 'push-agg-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'services/aggregator/main.ts',
      ...(opts.leaseMs ? [`--lease-ms=${opts.leaseMs}`] : []),
    ],
    {
      cwd: root,
      env: {
        KEY_PREFIX: opts.prefix,
        REDIS_URL: opts.redisUrl,
        EVENT_PARTITIONS: String(opts.partitions),
        TIMEZONE: opts.timezone ?? 'Asia/Shanghai',
        DATA_DIR: dataDir,
        LOG_LEVEL: opts.logLevel ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  return { child, output: () => output, exited };
}
