#!/usr/bin/env node
// Entry of `npm start` / `npm run start:<process>` / `npm run migrate`, and (as `deps`) the
// pre-script of `npm test`, `lint`, `typecheck` and `bench`. Plain JavaScript on purpose: it runs
// before dependencies exist. Installs them when missing or stale, then runs
// services/<name>/main.ts through tsx, forwarding signals so shutdown stays clean.
// The install rule lives here alone (the Docker image copies only this file of deploy/).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const name = process.argv[2] ?? 'all';
// `deps` only installs: what the test, lint, typecheck and bench scripts need first.
const known = ['all', 'ingest', 'handler', 'aggregator', 'scheduler', 'migrate', 'deps'];
if (!known.includes(name)) {
  console.error(`unknown process "${name}"; one of: ${known.join(', ')}`);
  process.exit(2);
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`Node ${process.versions.node} is too old: pushline needs Node 20 or newer`);
  process.exit(1);
}

/**
 * Why `npm install` must run, or undefined: a package that package.json names is missing from
 * node_modules (devDependencies too when `dev`: the tools of test/lint; a process needs only
 * `dependencies`, so a production image installed with --omit=dev is complete), or
 * package-lock.json changed after npm last installed (its marker node_modules/.package-lock.json;
 * 1 s of slack, npm writes both in one run). No marker (another package manager) compares nothing.
 */
function installReason(dev) {
  if (!existsSync(join(root, 'node_modules'))) return 'first run, no node_modules yet';
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...(dev ? pkg.devDependencies : {}) });
  const missing = names.find((n) => !existsSync(join(root, 'node_modules', n, 'package.json')));
  if (missing) return `${missing} is not installed`;
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock) && existsSync(marker) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000)
    return 'package-lock.json changed since the last install';
  return undefined;
}

const reason = installReason(name === 'deps');
if (reason) {
  console.error(`installing dependencies: ${reason} (better-sqlite3 may build from source, about a minute)…`);
  // `npm install`, not `npm ci`: npm 11 refuses this lock in `ci` for optional platform binaries
  // of other systems (see .ci/run); install still follows the lock.
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('npm install failed');
    process.exit(r.status ?? 1);
  }
}
if (name === 'deps') process.exit(0);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', join(root, 'services', name, 'main.ts'), ...process.argv.slice(3)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
// Signals are passed on to the process. A Ctrl-C reaches both (same process group) and npm may
// pass it on too; the process treats signals less than a second apart as one (pkg/process/shutdown.ts), so
// only a deliberate second Ctrl-C skips its clean shutdown.
let signalled = false;
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    signalled = true;
    child.kill(sig);
  });
// npm does not always pass a SIGTERM on to its script; when npm is gone, stop cleanly too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && !signalled) {
    signalled = true;
    child.kill('SIGTERM');
  }
}, 500).unref();
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
