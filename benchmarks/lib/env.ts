import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../pkg/config/config.ts';

/**
 * What every scenario needs from its surroundings: a Redis URL (`--redis-url=`; unset: the
 * harness starts a private redis-server, see lib/redis-server.ts; helpers get it passed), the
 * MariaDB/MySQL server URL (`--mysql=`, default the local root account) and the number of runs
 * (`--runs=`, at least 3 for a median with spread).
 *
 * @example const env = benchEnv(); env.runs // 3
 */
export function benchEnv(argv: readonly string[] = process.argv): {
  redisUrl: string;
  /** Whether `--redis-url=` named a server (else a private one is started by the harness). */
  redisGiven: boolean;
  mysqlUrl: string;
  runs: number;
  profile: boolean;
} {
  const runs = argNumber('runs', 3, argv);
  const given = argString('redis-url', '', argv);
  return {
    redisUrl: given || loadConfig().redisUrl,
    redisGiven: given !== '',
    mysqlUrl: argString('mysql', 'mysql://root@127.0.0.1:3306', argv),
    runs: Math.max(1, runs),
    profile: argv.includes('--profile'),
  };
}

/**
 * `--name=<number>` from the command line, or `def`.
 *
 * @example argNumber('runs', 3) // 5 with `--runs=5`
 */
export function argNumber(name: string, def: number, argv: readonly string[] = process.argv): number {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.slice(name.length + 3)) : def;
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number`);
  return v;
}

/**
 * `--name=<text>` from the command line, or `def`.
 *
 * @example argString('mysql', 'mysql://root@127.0.0.1:3306')
 */
export function argString(name: string, def: string, argv: readonly string[] = process.argv): string {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
}

/**
 * Whether this module is the entry point (`npx tsx benchmarks/<scenario>.ts`).
 *
 * @example if (isMain(import.meta.url)) await main();
 */
export const isMain = (url: string): boolean => url === new URL(process.argv[1] ?? '', 'file://').href;

/**
 * A TCP port free right now on 127.0.0.1.
 *
 * @example const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Deletes every key under `prefix` (UNLINK in SCAN batches).
 *
 * @example await dropPrefix(redis, 'bench-e2e-1a2b:');
 */
export async function dropPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (found.length) n += await redis.unlink(...found);
  } while (cursor !== '0');
  return n;
}

/**
 * Bytes Redis attributes to the keys under `prefix` (sum of `MEMORY USAGE … SAMPLES 0`), in all
 * and per kind of key (the first segment after the prefix: `d` delivery streams, `att` attempt
 * records, `ev` event streams, `rq` request lists, …). Independent of other clients of a server.
 *
 * @example const { bytes, keys, byKind } = await prefixMemory(redis, 'bench-e2e-1a2b:');
 */
export async function prefixMemory(
  redis: Redis,
  prefix: string,
): Promise<{ bytes: number; keys: number; byKind: Record<string, number> }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  const byKind: Record<string, number> = {};
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    if (found.length === 0) continue;
    const pipe = redis.pipeline();
    for (const k of found) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const res = (await pipe.exec()) ?? [];
    res.forEach(([err, v], i) => {
      if (err || v === null) return;
      const kind = found[i]!.slice(prefix.length).split(':')[0] ?? '';
      byKind[kind] = (byKind[kind] ?? 0) + Number(v);
      bytes += Number(v);
    });
    keys += found.length;
  } while (cursor !== '0');
  return { bytes, keys, byKind };
}

/** Calls and microseconds per Redis command (INFO commandstats). */
export type CommandStats = Record<string, { calls: number; usec: number }>;

/**
 * Parses INFO commandstats.
 *
 * @example const before = await commandStats(redis);
 */
export async function commandStats(redis: Redis): Promise<CommandStats> {
  const out: CommandStats = {};
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) out[m[1]!] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return out;
}

/**
 * Difference of two command-stat snapshots, busiest first (commands with no calls left out).
 *
 * @example diffCommandStats(before, after)[0] // { command: 'evalsha', calls: 90000, usec: 1200000, usecPerCall: 13.3 }
 */
export function diffCommandStats(
  before: CommandStats,
  after: CommandStats,
): { command: string; calls: number; usec: number; usecPerCall: number }[] {
  return Object.entries(after)
    .map(([command, a]) => {
      const b = before[command] ?? { calls: 0, usec: 0 };
      const calls = a.calls - b.calls;
      const usec = a.usec - b.usec;
      return { command, calls, usec, usecPerCall: calls ? usec / calls : 0 };
    })
    .filter((r) => r.calls > 0)
    .sort((x, y) => y.usec - x.usec);
}

/**
 * The Redis server's own CPU seconds so far (user + system, INFO cpu).
 *
 * @example const cpu0 = await redisCpuSeconds(redis);
 */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  return sys + user;
}

/**
 * Resident memory (bytes) and CPU seconds used so far (user + system) of a process, from /proc;
 * undefined when the process is gone or /proc is not there.
 *
 * @example const u = procUsage(child.pid!); u?.rssBytes
 */
export function procUsage(pid: number): { rssBytes: number; cpuSeconds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]); // utime, stime (fields 14, 15)
    return { rssBytes: rssKb * 1024, cpuSeconds: ticks / 100 };
  } catch {
    return undefined;
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
