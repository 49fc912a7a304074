import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What one wrk run measured (latencies in ms, CPU of the wrk process in ms). */
export type WrkResult = Readonly<{
  requests: number;
  seconds: number;
  /** From `--latency`: the distribution wrk prints (50/75/90/99 %). */
  distribution: Readonly<Record<'p50' | 'p75' | 'p90' | 'p99', number>>;
  /** From the script's `done` hook (wrk prints no p99.9). */
  p999: number;
  max: number;
  /** Answers with status ≥ 400. */
  non2xx: number;
  /** Socket errors: connect, read, write, timeout. */
  errors: number;
  /** User + system CPU of the wrk process over its whole run (from the shell's `times`). */
  cpuMs: number;
}>;

const SCRIPT = fileURLToPath(new URL('wrk-post.lua', import.meta.url));

let found: boolean | undefined;
/**
 * Whether wrk is installed (`command -v wrk`), checked once per process.
 *
 * @example if (hasWrk()) await wrk({ url, bodyFile, apiKey, connections: 64, seconds: 5 });
 */
export function hasWrk(): boolean {
  found ??= spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
  return found;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Parses one `--latency` distribution value such as `359.00us` or `2.06ms` into ms. */
const toMs = (v: string): number => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
};

/**
 * Reads wrk's text output: the `Latency Distribution` block of `--latency`, the JSON line of
 * the script's `done` hook, and the `times` lines the wrapper shell prints after wrk exits
 * (the second is the children's user and system CPU).
 *
 * @example parseWrk(stdout).distribution.p99 // 5.38
 */
export function parseWrk(out: string): WrkResult {
  const dist: Record<string, number> = {};
  for (const m of out.matchAll(/^\s+(50|75|90|99)%\s+(\S+)\s*$/gm)) dist[`p${m[1]}`] = toMs(m[2]!);
  const jsonLine = out.split('\n').find((l) => l.startsWith('{"wrk":1'));
  if (!jsonLine || dist.p99 === undefined) throw new Error(`wrk output not understood:\n${out.slice(-2000)}`);
  const j = JSON.parse(jsonLine) as Record<string, number>;
  const times = [...out.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)];
  const children = times[times.length - 1];
  const cpuMs = children
    ? (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000
    : Number.NaN;
  return {
    requests: j.requests!,
    seconds: j.durationUs! / 1e6,
    distribution: { p50: dist.p50!, p75: dist.p75!, p90: dist.p90!, p99: dist.p99! },
    p999: j.p999! / 1000,
    max: j.max! / 1000,
    non2xx: j.status!,
    errors: j.connect! + j.read! + j.write! + j.timeout!,
    cpuMs,
  };
}

/**
 * Runs `wrk --latency` against `url` (POST of the body in `bodyFile`, see wrk-post.lua) under a
 * shell that reports wrk's CPU with `times` when it ends. wrk is its own process in C: its CPU
 * is small and measured, so the ceiling it drives is the server's, not the load generator's.
 *
 * @example const r = await wrk({ url, bodyFile, apiKey: 'none', connections: 64, seconds: 5, threads: 1 });
 */
export function wrk(opts: {
  url: string;
  bodyFile: string;
  apiKey: string;
  connections: number;
  seconds: number;
  threads: number;
}): Promise<WrkResult> {
  const args = [
    `-t${opts.threads}`,
    `-c${opts.connections}`,
    `-d${opts.seconds}s`,
    '--timeout',
    '30s',
    '--latency',
    '-s',
    SCRIPT,
    opts.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'wrk "$@"; code=$?; times; exit $code', 'wrk', ...args], {
      env: { ...process.env, WRK_BODY_FILE: opts.bodyFile, WRK_API_KEY: opts.apiKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${err.slice(-2000)}${out.slice(-2000)}`));
      try {
        resolve(parseWrk(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}
