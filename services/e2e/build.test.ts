import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testEnvironment } from '../../pkg/config/test-env.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { randomTag, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import type { DemoSeed } from '../all/seed.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/**
 * The production build (deploy/build.mjs, `npm run build`) into a scratch folder, then the
 * all-in-one process run from it with plain node — no tsx — sending one sandbox message end to
 * end. The out dir sits under the repository's .tmp/ so packages resolve from its node_modules.
 */
describe('production build: compiled JavaScript runs without tsx', () => {
  const out = join(root, '.tmp', `build-${randomTag()}`);
  let r: Awaited<ReturnType<typeof testRedis>>;
  let child: ChildProcess | undefined;

  before(async () => {
    r = await testRedis();
    const built = spawnSync(process.execPath, ['deploy/build.mjs', '--out-dir', out], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, `build failed:\n${built.stdout}\n${built.stderr}`);
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(out, { recursive: true, force: true });
    await r.cleanup();
  });

  test('every process has its compiled main, and no test-only code is in the build', () => {
    for (const p of ['ingest', 'handler', 'aggregator', 'scheduler', 'migrate', 'all'])
      assert.ok(existsSync(join(out, 'services', p, 'main.js')), `services/${p}/main.js missing`);
    const all = files(out).map((f) => f.slice(out.length + 1));
    assert.deepEqual(
      all.filter((f) =>
        /\.test\.js$|^pkg\/testkit\/|^services\/e2e\/|\/fake(-[a-z]+)?\.js$|\/fixtures\.js$/.test(f),
      ),
      [],
    );
    assert.deepEqual(
      all.filter((f) => f.endsWith('.ts')),
      [],
    );
  });

  test('every file the compiled code reads beside itself (new URL(…, import.meta.url)) was copied', () => {
    let seen = 0;
    for (const file of files(out).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(file, 'utf8');
      // A literal, or a template whose fixed part is a folder (`./assets/${name}`).
      for (const m of text.matchAll(/new URL\([`'"](\.{1,2}\/[^`'"$]*)[^)]*?,\s*import\.meta\.url\)/g)) {
        const target = join(dirname(file), m[1]!);
        assert.ok(existsSync(target), `${file.slice(out.length + 1)} reads ${m[1]}: missing in the build`);
        seen++;
      }
    }
    // Lua scripts of the bus, ledger, pipeline, rate limits…, the console and reference assets.
    assert.ok(seen >= 20, `only ${seen} asset references found: is the pattern still right?`);
  });

  test('every package the compiled code loads is a production dependency (the image omits dev)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const loaded = new Set<string>();
    for (const file of files(out).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(file, 'utf8');
      // import/export … from 'x', import('x'), require('x'), require.resolve('x/…'), createRequire(…)('x')
      const specs = [
        ...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?from\s*'([^'\n]+)'/gm),
        ...text.matchAll(/^\s*import\s*'([^'\n]+)'/gm),
        ...text.matchAll(/(?:\bimport|\brequire|\.resolve|\))\('([^'\n]+)'\)/g),
      ].map((m) => m[1]!);
      for (const spec of specs.filter((x) => !/^(\.|\/|node:)/.test(x) && !isBuiltin(x)))
        loaded.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
    assert.ok(loaded.has('ioredis') && loaded.has('swagger-ui-dist'), 'the scan found the known packages');
    assert.deepEqual(
      [...loaded].filter((n) => !(n in pkg.dependencies)),
      [],
      'loaded at run time but not in dependencies',
    );
  });

  test('the all-in-one process from dist answers /healthz and delivers a sandbox message', async () => {
    const data = mkdtempSync(join(tmpdir(), 'push-build-'));
    const env = platformEnv(
      { prefix: r.prefix, databaseUrl: `sqlite://${join(data, 'push.db')}` },
      { DATA_DIR: data, REDIS_AUTOSTART: 'false', LOG_FORMAT: 'json' },
    );
    let output = '';
    child = spawn(process.execPath, [join(out, 'services', 'all', 'main.js')], {
      cwd: root,
      env: { ...testEnvironment().inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-50_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    try {
      // The banner is printed once seeded and listening; PORT=0 picked a free port.
      const base = await waitFor(
        'the all-in-one banner',
        () => /API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(output)?.[1],
        30_000,
      ).catch((err) => assert.fail(`${err}\n${output}`));
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      // The console (built by Vite into dist/) and the API reference's script were copied beside
      // their modules; the console's bundled script is served.
      const consolePage = await fetch(`${base}/console`);
      assert.equal(consolePage.status, 200);
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(await consolePage.text())?.[1];
      assert.ok(script, 'the console page names its script');
      assert.equal((await fetch(`${base}${script}`)).status, 200);

      const demo = JSON.parse(readFileSync(join(data, 'demo-app.json'), 'utf8')) as DemoSeed;
      const auth = { authorization: `Bearer ${demo.apiKey}` };
      const receiver = `ann-${randomTag()}@example.com`;
      const sent = await fetch(`${base}/v1/send`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          templateId: demo.templateId,
          messages: [{ receivers: [receiver], variables: { name: 'Ann' } }],
        }),
      });
      assert.equal(sent.status, 202, await sent.clone().text());
      const { messageIds } = (await sent.json()) as { messageIds: string[] };
      const inbox = await waitFor(
        'the sandbox delivery',
        async () => {
          const res = await fetch(`${base}/v1/sandbox/messages?receiver=${encodeURIComponent(receiver)}`, {
            headers: auth,
          });
          const body = (await res.json()) as { items: { messageId: string; content: unknown }[] };
          return body.items.length > 0 ? body.items : undefined;
        },
        20_000,
      );
      assert.ok(inbox);
      assert.equal(inbox[0]?.messageId, messageIds[0]);
      assert.match(JSON.stringify(inbox[0]?.content), /Hello Ann/);

      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
