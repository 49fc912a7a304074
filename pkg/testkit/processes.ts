import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testEnvironment } from '../config/test-env.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ServiceProcess = {
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** stderr+stdout so far (for failure messages). */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
};

/**
 * Starts `services/<name>/main.ts` as a real child process with the given environment (tests
 * that kill and restart processes).
 *
 * @example const h = spawnService('handler', { REDIS_URL, DATABASE_URL, KEY_PREFIX }); await h.kill('SIGKILL');
 */
export function spawnService(name: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/main.ts`], {
    cwd: ROOT,
    env: { ...testEnvironment().inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 100_000) out = out.slice(-50_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, sig) => resolve(code ?? sig ?? -1)),
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
