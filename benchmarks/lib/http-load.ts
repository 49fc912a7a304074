import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { runChild } from './child.ts';
import { argNumber, argString, procUsage, redisCpuSeconds } from './env.ts';
import { hasWrk, wrk } from './wrk.ts';

/** The load generators of the closed-loop HTTP phases. */
export type LoadGenerator = 'wrk' | 'autocannon';

/** CPU one process spent over a measured phase. */
export type PhaseCpu = Readonly<{
  /** CPU ms per request answered. */
  msPerRequest: number;
  /** Cores it kept busy on average (CPU seconds ÷ wall seconds). */
  cores: number;
}>;

/** One closed-loop measurement of a `POST` endpoint (latencies in ms). */
export type HttpLoadResult = Readonly<{
  generator: LoadGenerator;
  connections: number;
  rps: number;
  total: number;
  seconds: number;
  p50: number;
  p99: number;
  p999: number;
  non2xx: number;
  errors: number;
  /** The load generator's, the measured server's and Redis's CPU over the measured phase. */
  cpu: Readonly<{ loadGenerator: PhaseCpu; server: PhaseCpu; redis: PhaseCpu }>;
}>;

let chosen: LoadGenerator | undefined;
/**
 * The generator of this whole process (so the Hono+XADD ceiling and ingest of one round always
 * share it): `--loadgen=wrk|autocannon` if given, else wrk when `command -v wrk` finds it, else
 * autocannon in its own child process.
 *
 * @example loadGenerator() // 'wrk'
 */
export function loadGenerator(): LoadGenerator {
  if (chosen) return chosen;
  const asked = argString('loadgen', '');
  if (asked && asked !== 'wrk' && asked !== 'autocannon')
    throw new Error('--loadgen must be wrk or autocannon');
  if (asked === 'wrk' && !hasWrk())
    throw new Error('--loadgen=wrk but wrk is not installed (apt-get install wrk)');
  chosen = (asked as LoadGenerator) || (hasWrk() ? 'wrk' : 'autocannon');
  return chosen;
}

type Raw = {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  p999: number;
  non2xx: number;
  errors: number;
  cpuMs: number;
};

/**
 * A load run in two steps: `warm()` runs the thrown-away warm-up and resolves when the
 * measured phase begins; `measured()` resolves with its figures. Between them the caller takes
 * the server's and Redis's CPU, so both brackets hold the measured phase only.
 */
type Run = { warm(): Promise<void>; measured(): Promise<Raw> };

function wrkRun(url: string, apiKey: string, bodyFile: string, connections: number, seconds: number): Run {
  const o = { url, apiKey, bodyFile, connections, threads: argNumber('wrk-threads', 1) };
  return {
    warm: async () => {
      await wrk({ ...o, seconds: 1 });
    },
    measured: async () => {
      const r = await wrk({ ...o, seconds });
      return { ...r, p50: r.distribution.p50, p99: r.distribution.p99 };
    },
  };
}

function autocannonRun(
  url: string,
  apiKey: string,
  bodyFile: string,
  connections: number,
  seconds: number,
): Run {
  // The worker warms up, prints one line as its measured phase starts, then its result.
  const c = runChild(
    'autocannon-worker.ts',
    [`--url=${url}`, `--body-file=${bodyFile}`, `--connections=${connections}`, `--seconds=${seconds}`],
    { BENCH_API_KEY: apiKey },
  );
  return {
    warm: async () => {
      await c.firstJson<{ measuring: true }>();
    },
    measured: async () => {
      const r = await c.firstJson<Raw>();
      await c.exited;
      return r;
    },
  };
}

/**
 * Drives `POST url` closed-loop with `connections` keep-alive connections for `seconds` (after
 * a one-second warm-up that is thrown away) with this process's load generator, and measures
 * the CPU of the generator, of the server process `serverPid` and of Redis over that phase.
 *
 * @example const r = await httpLoad({ url: `${base}/v1/send`, apiKey, body, connections: 64, seconds: 5, serverPid, redis });
 */
export async function httpLoad(opts: {
  url: string;
  apiKey: string;
  body: string;
  connections: number;
  seconds: number;
  serverPid: number;
  redis: Redis;
}): Promise<HttpLoadResult> {
  const generator = loadGenerator();
  const dir = mkdtempSync(join(tmpdir(), 'push-bench-body-'));
  const bodyFile = join(dir, 'body.json');
  writeFileSync(bodyFile, opts.body);
  try {
    const args = [opts.url, opts.apiKey, bodyFile, opts.connections, opts.seconds] as const;
    const run = generator === 'wrk' ? wrkRun(...args) : autocannonRun(...args);
    await run.warm();
    const server0 = procUsage(opts.serverPid)?.cpuSeconds ?? 0;
    const redis0 = await redisCpuSeconds(opts.redis);
    const t0 = performance.now();
    const r = await run.measured();
    const wall = (performance.now() - t0) / 1000;
    const serverMs = ((procUsage(opts.serverPid)?.cpuSeconds ?? 0) - server0) * 1000;
    const redisMs = ((await redisCpuSeconds(opts.redis)) - redis0) * 1000;
    const n = Math.max(1, r.requests);
    const of = (ms: number, seconds: number): PhaseCpu => ({
      msPerRequest: ms / n,
      cores: ms / 1000 / seconds,
    });
    return {
      generator,
      connections: opts.connections,
      rps: r.requests / r.seconds,
      total: r.requests,
      seconds: r.seconds,
      p50: r.p50,
      p99: r.p99,
      p999: r.p999,
      non2xx: r.non2xx,
      errors: r.errors,
      cpu: { loadGenerator: of(r.cpuMs, r.seconds), server: of(serverMs, wall), redis: of(redisMs, wall) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
