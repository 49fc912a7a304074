import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServiceProcess } from '../../pkg/testkit/processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every child still running: killed when the harness exits, however it exits. */
const live = new Set<{ kill(signal?: NodeJS.Signals): unknown }>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A benchmark helper running as its own Node process (server or load worker). */
export type Child = Readonly<{
  pid: number;
  /** Resolves with the first stdout line that parses as JSON (a worker's result or a server's "ready"). */
  firstJson<T>(): Promise<T>;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  output(): string;
}>;

/**
 * Runs `benchmarks/lib/<file>` under tsx as a child process with the given arguments (it
 * inherits this process's environment, plus `env`: values that should not show in a process
 * listing, such as an API key). Helpers talk back with one JSON line on stdout.
 *
 * @example const c = runChild('stream-ceiling.ts', ['--count=200000']); const r = await c.firstJson();
 */
export function runChild(file: string, args: readonly string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', `benchmarks/lib/${file}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const jsonWaiters: ((v: unknown) => void)[] = [];
  const json: unknown[] = [];
  let buf = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    buf += b.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line.startsWith('{')) {
        try {
          const v = JSON.parse(line);
          const w = jsonWaiters.shift();
          if (w) w(v);
          else json.push(v);
        } catch {
          // not a result line
        }
      }
      nl = buf.indexOf('\n');
    }
  });
  child.stderr.on('data', (b: Buffer) => {
    err = (err + b.toString()).slice(-20_000);
  });
  live.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? sig ?? -1);
    }),
  );
  return Object.freeze({
    pid: child.pid ?? 0,
    firstJson<T>() {
      if (json.length) return Promise.resolve(json.shift() as T);
      return new Promise<T>((resolve, reject) => {
        jsonWaiters.push(resolve as (v: unknown) => void);
        exited.then((code) => reject(new Error(`${file} exited (${code}) before answering:\n${err}`)));
      });
    },
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    output: () => `${out}\n${err}`,
  });
}

/**
 * Starts `services/<name>/main.ts` like pkg/testkit's spawnService, with extra Node flags
 * (`--cpu-prof` may not go through NODE_OPTIONS). The child sees only `env` (plus LOG_LEVEL
 * warn unless given): every setting of a measured process is explicit. A `name` holding a `/`
 * is a script path from the repository root instead (an experimental build to compare).
 * `runtime: 'dist'` runs the compiled build (`npm run build` first) with plain node, as the
 * production image does.
 *
 * @example const h = spawnServiceWith('handler', env, ['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
 */
export function spawnServiceWith(
  name: string,
  env: Readonly<Record<string, string>>,
  nodeArgs: readonly string[] = [],
  runtime: 'tsx' | 'dist' = 'tsx',
): ServiceProcess {
  const script = name.includes('/')
    ? name
    : runtime === 'dist'
      ? `dist/services/${name}/main.js`
      : `services/${name}/main.ts`;
  const loader = runtime === 'dist' ? ['--enable-source-maps'] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...nodeArgs, ...loader, script], {
    cwd: ROOT,
    env: { LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 100_000) out = out.slice(-50_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  live.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? sig ?? -1);
    }),
  );
  return {
    child,
    exited,
    output: () => out,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
