#!/usr/bin/env node
// Entry of `npm start` / `npm run start:<process>` / `npm run migrate`, and (as `deps`) the
// pre-script of `npm test`, `lint`, `typecheck` and `bench`. Plain JavaScript on purpose: it runs
// before dependencies exist. Installs them when missing or stale, then runs
// services/<name>/main.ts through tsx, forwarding signals so shutdown stays clean — or the
// compiled dist/services/<name>/main.js (`npm run build`) with plain node, see `runtime` below.
// The install rule lives here alone (the Docker image copies only this file of deploy/).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

// A checkout builds the console (deploy/console-build.mjs) with Vite, a devDependency.
const consoleSources = join(root, 'pkg', 'api', 'console', 'ui');
const buildsConsole = existsSync(consoleSources) && ['deps', 'all', 'ingest'].includes(name);
const reason = installReason(name === 'deps' || buildsConsole);
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
if (buildsConsole) {
  // Rebuilt only when its sources changed since the last build (a few seconds when they did).
  const r = spawnSync(process.execPath, [join(root, 'deploy', 'console-build.mjs'), '--if-stale'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('building the console failed');
    process.exit(r.status ?? 1);
  }
}
if (name === 'deps') process.exit(0);

/**
 * `dist` (compiled JavaScript) or `tsx` (the TypeScript sources). PUSHLINE_RUNTIME says which;
 * unset, a checkout (its services/<name>/main.ts exists) runs the sources, so a stale dist/ is
 * never run by surprise, and the image (dist/ only, no sources) runs dist.
 */
function runtime() {
  const asked = process.env.PUSHLINE_RUNTIME;
  const compiled = existsSync(join(root, 'dist', 'services', name, 'main.js'));
  if (asked !== undefined && asked !== 'dist' && asked !== 'tsx') {
    console.error(`PUSHLINE_RUNTIME must be dist or tsx (got ${JSON.stringify(asked)})`);
    process.exit(2);
  }
  const chosen = asked ?? (existsSync(join(root, 'services', name, 'main.ts')) ? 'tsx' : 'dist');
  if (chosen === 'dist' && !compiled) {
    console.error(`dist/services/${name}/main.js is missing: run \`npm run build\` first`);
    process.exit(1);
  }
  return chosen;
}

if (runtime() === 'dist') {
  // In this process, not a child: one Node per container (half the memory of a parent that
  // only forwards signals), and the process's own handlers get SIGTERM directly.
  const main = join(root, 'dist', 'services', name, 'main.js');
  process.argv = [process.argv[0], main, ...process.argv.slice(3)];
  process.chdir(root);
  process.setSourceMapsEnabled(true);
  // npm does not always pass a SIGTERM on to its script; when npm is gone, stop cleanly too.
  // Once: a second signal would skip the clean shutdown (pkg/process/shutdown.ts).
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 500).unref();
  await import(pathToFileURL(main).href);
} else {
  startTsx();
}

/**
 * V8 flags a process gets unless NODE_OPTIONS sets its own heap size: the scheduler's live heap
 * stays ~35 MB on a million-row crowd run, but with Node's default heap limit V8 lets garbage
 * grow its RSS to ~270 MB before collecting; 128 MB keeps it under 200 MB at the same speed.
 * The compiled build runs in this process, so there deploy files set NODE_OPTIONS the same way.
 */
function heapFlags() {
  const own = /--max-old-space-size/.test(process.env.NODE_OPTIONS ?? '');
  return name === 'scheduler' && !own ? ['--max-old-space-size=128'] : [];
}

function startTsx() {
  const child = spawn(
    process.execPath,
    [...heapFlags(), '--import', 'tsx', join(root, 'services', name, 'main.ts'), ...process.argv.slice(3)],
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
}
