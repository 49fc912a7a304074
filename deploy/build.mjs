#!/usr/bin/env node
// `npm run build`: the production build. Compiles pkg/ and services/ to JavaScript with
// deploy/tsconfig.build.json (imports rewritten from .ts to .js), then copies beside the compiled files
// every non-TypeScript file the code reads at run time through `new URL('./x', import.meta.url)`
// (Lua scripts, the console's and the API reference's assets), so `node dist/services/<name>/main.js`
// runs without tsx. A type error fails the build.
// Usage: node deploy/build.mjs [--out-dir <dir>]   (default dist/; the folder is emptied first)
// The out dir must sit inside the repository (or beside a node_modules) for packages to resolve.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const flag = process.argv.indexOf('--out-dir');
const outDir = resolve(root, flag >= 0 ? (process.argv[flag + 1] ?? '') : 'dist');
if (outDir === resolve(root)) {
  console.error('usage: node deploy/build.mjs [--out-dir <dir>] (not the repository root)');
  process.exit(2);
}

// Files tests and tools use only: the same rule as deploy/tsconfig.build.json's excludes and
// .dependency-cruiser.cjs's test code. Markdown is documentation, not read at run time.
const TEST_ONLY = [
  /\.test\.ts$/,
  /^pkg\/testkit\//,
  /^services\/(e2e|chaos)\//,
  /^pkg\/channels\/providers\/[^/]+\/(fake|fake-[a-z]+|fixtures)\.ts$/,
  /\.md$/,
  // The console: its sources and a checkout's own build stay out; it is built into the out dir.
  /^pkg\/api\/console\/(ui|built)\//,
];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(relative(root, p));
  }
  return out;
}

const started = Date.now();
rmSync(outDir, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(root, 'deploy/tsconfig.build.json'),
    '--outDir',
    outDir,
  ],
  { cwd: root, stdio: 'inherit' },
);
if (tsc.status !== 0) {
  console.error('build failed: tsc reported errors');
  process.exit(tsc.status ?? 1);
}

// Assets: every file under pkg/ and services/ that is not TypeScript source or test-only.
const assets = ['pkg', 'services']
  .flatMap((d) => walk(join(root, d)))
  .filter((f) => !f.endsWith('.ts') && !TEST_ONLY.some((re) => re.test(f)));
for (const f of assets) {
  mkdirSync(dirname(join(outDir, f)), { recursive: true });
  copyFileSync(join(root, f), join(outDir, f));
}
const { buildConsole } = await import('./console-build.mjs');
await buildConsole(join(outDir, 'pkg', 'api', 'console', 'built'));
// The compiled files are ES modules wherever the folder is put (the image copies package.json
// too; this keeps a dist/ moved elsewhere from being read as CommonJS).
writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
console.log(
  `built ${relative(root, outDir) || outDir}: compiled, ${assets.length} assets copied, ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
