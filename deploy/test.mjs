#!/usr/bin/env node
// Runs every *.test.ts under pkg/ and services/ with node's own test runner (through tsx),
// after making sure the real Redis and MariaDB the tests use are up (deploy/services.sh).
// Usage: node deploy/test.mjs [filter substrings...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p.slice(root.length));
  }
  return out;
}

const files = ['pkg', 'services']
  .flatMap((d) => walk(join(root, d)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

if (!process.env.SKIP_SERVICES) {
  const s = spawnSync('bash', [join(root, 'deploy/services.sh')], { stdio: 'inherit' });
  if (s.status !== 0) process.exit(s.status ?? 1);
}

const started = Date.now();
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } },
);
console.log(`test files: ${files.length}, wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(r.status ?? 1);
