import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../pkg/config/config.ts';

// No Docker engine runs here: the deploy files are checked statically against the code they run.
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(root + p, 'utf8');

type Compose = {
  services: Record<
    string,
    { command?: string[]; image?: string; build?: unknown; environment?: Record<string, string> }
  >;
};

test('docker-compose: every app service runs an existing process with known variables', () => {
  const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as Compose;
  const app = Object.entries(compose.services).filter(([, s]) => s.build);
  assert.deepEqual(app.map(([n]) => n).sort(), ['aggregator', 'handler', 'ingest', 'migrate', 'scheduler']);
  for (const [name, s] of app) {
    const cmd = s.command?.[0];
    assert.ok(
      cmd && existsSync(`${root}services/${cmd}/main.ts`),
      `${name}: services/${cmd}/main.ts missing`,
    );
    for (const v of Object.keys(s.environment ?? {})) {
      assert.ok(CONFIG_VARIABLES.includes(v), `${name}: ${v} is not a configuration variable`);
    }
    // The image's HEALTHCHECK probes OPS_PORT where the process has no API, else PORT.
    if (cmd === 'handler' || cmd === 'aggregator' || cmd === 'scheduler') {
      assert.ok(s.environment?.OPS_PORT, `${name}: needs OPS_PORT for its health check`);
      assert.equal(s.environment?.REDIS_URL, 'redis://redis:6379', `${name}: lost the shared environment`);
    }
  }
  assert.ok(compose.services.redis?.image?.startsWith('redis:7'));
});

test('Dockerfile: copied paths exist and the entrypoint knows every process', () => {
  const docker = read('deploy/Dockerfile');
  for (const m of docker.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const src of m[1]!.split(/\s+/)) assert.ok(existsSync(root + src), `COPY source ${src} missing`);
  }
  const boot = read('deploy/bootstrap.mjs');
  for (const p of ['ingest', 'handler', 'aggregator', 'scheduler', 'migrate', 'all']) {
    assert.ok(boot.includes(`'${p}'`), `bootstrap does not know ${p}`);
  }
  for (const m of docker.matchAll(/^ENV ([\s\S]+?)(?=^\S)/gm)) {
    for (const kv of m[1]!.matchAll(/([A-Z_]+)=/g)) {
      if (kv[1] !== 'NODE_ENV') assert.ok(CONFIG_VARIABLES.includes(kv[1]!), `ENV ${kv[1]} unknown`);
    }
  }
});

test('package scripts and CI call what the README promises', () => {
  const pkg = JSON.parse(read('package.json')) as {
    scripts: Record<string, string>;
    engines: { node: string };
  };
  assert.equal(pkg.engines.node, '>=20');
  for (const s of [
    'start',
    'test',
    'migrate',
    'start:ingest',
    'start:handler',
    'start:aggregator',
    'start:scheduler',
    'bench',
  ]) {
    assert.ok(pkg.scripts[s], `npm script ${s} missing`);
  }
  assert.match(read('.ci/run'), /^npm test$/m);
  const readme = read('README.md');
  assert.match(readme, /npm start/);
  assert.match(readme, /npm test/);
});
