#!/usr/bin/env node
// Builds the operators' console (pkg/api/console/ui/, Preact + ECharts) with Vite into
// pkg/api/console/built/, which ingest serves under /console. Run by deploy/bootstrap.mjs before
// `npm start` and `npm test` when the sources are newer than the last build, and by
// deploy/build.mjs for the production image. Every asset is bundled: nothing loads from a CDN.
// Usage: node deploy/console-build.mjs [--if-stale] [--out <dir>]   (tests pointing
// CONSOLE_BUILT_DIR at another build can run while the sources change)
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'pkg/api/console/ui');
const outFlag = process.argv.indexOf('--out');
const out = outFlag > 0 ? resolve(process.argv[outFlag + 1] ?? '') : join(root, 'pkg/api/console/built');
const stamp = join(out, '.built');

/** The newest modification time under `dir` (0 for an empty or missing folder). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let m = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    m = Math.max(m, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return m;
}

/** True when the sources (or the lock file: a new library version) changed after the last build. */
export function consoleStale() {
  if (!existsSync(src)) return false;
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return newest(src) > built || statSync(join(root, 'package-lock.json')).mtimeMs > built;
}

/** Builds into `dir` (default pkg/api/console/built/, where ingest reads it in a checkout). */
export async function buildConsole(dir = out) {
  const started = Date.now();
  const { build } = await import('vite');
  await build({
    root: src,
    base: '/console/',
    configFile: false,
    logLevel: 'warn',
    // Preact's automatic JSX runtime through esbuild: no Babel preset needed.
    esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
    build: {
      outDir: dir,
      emptyOutDir: true,
      target: 'es2022',
      // ECharts alone is ~600 KB minified; one chunk per library keeps the app's own code small.
      chunkSizeWarningLimit: 1200,
      rollupOptions: {
        output: {
          manualChunks: {
            echarts: ['echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'],
          },
        },
      },
    },
  });
  writeFileSync(join(dir, '.built'), `${new Date().toISOString()}\n`);
  console.error(`console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.argv.includes('--if-stale') || consoleStale()) await buildConsole();
}
