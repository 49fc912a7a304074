#!/usr/bin/env node
// Runs every *.test.ts under pkg/ and services/ with node's own test runner (through tsx),
// after making sure the real Redis and MariaDB the tests use are up (deploy/services.sh).
// Usage: node deploy/test.mjs [--chaos] [filter substrings...]
// --chaos (`npm run test:chaos`): the fault-injection and fuzz suite instead, services/chaos/*.chaos.ts,
// one file at a time (each runs its own processes and loads the machine), then its report table.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const chaos = process.argv.includes('--chaos');
const filters = process.argv.slice(2).filter((a) => a !== '--chaos');
const suffix = chaos ? '.chaos.ts' : '.test.ts';
const report = join(root, '.tmp', 'chaos-report.jsonl');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(suffix)) out.push(p.slice(root.length));
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
if (chaos) rmSync(report, { force: true });
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${chaos ? 1 : 2}`, '--test-timeout=1200000', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } },
);
console.log(`test files: ${files.length}, wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (chaos && existsSync(report)) printReport();
process.exit(r.status ?? 1);

/** The chaos suite's table: one row per scenario (pkg/testkit/chaos-report.ts). */
function printReport() {
  const rows = readFileSync(report, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const cols = ['scenario', 'accepted', 'sent', 'deadLettered', 'lost', 'duplicated', 'inDoubt', 'counters'];
  console.log(`\n| ${cols.join(' | ')} |\n|${cols.map(() => ' --- ').join('|')}|`);
  for (const x of rows) console.log(`| ${cols.map((c) => String(x[c] ?? '')).join(' | ')} |`);
}
