#!/usr/bin/env node
// Entry of `npm start` / `npm run start:<process>` / `npm run migrate`. Plain JavaScript on
// purpose: it runs before dependencies exist. Installs them when missing or stale, then runs
// services/<name>/main.ts through tsx, forwarding signals so shutdown stays clean.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const name = process.argv[2] ?? 'all';
const known = ['all', 'ingest', 'handler', 'aggregator', 'scheduler', 'migrate'];
if (!known.includes(name)) {
  console.error(`unknown process "${name}"; one of: ${known.join(', ')}`);
  process.exit(2);
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`Node ${process.versions.node} is too old: pushline needs Node 20 or newer`);
  process.exit(1);
}

const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale =
  !existsSync(join(root, 'node_modules', 'tsx')) ||
  (existsSync(lock) && existsSync(marker) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.error(
    'installing dependencies (first start; better-sqlite3 may build from source, about a minute)…',
  );
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('npm install failed');
    process.exit(r.status ?? 1);
  }
}

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
