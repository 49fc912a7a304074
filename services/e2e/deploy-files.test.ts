import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../pkg/config/config.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';

// No Docker engine runs here: the deploy files are checked statically against the code they run.
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(root + p, 'utf8');
const PROCESSES = ['ingest', 'handler', 'aggregator', 'scheduler', 'migrate', 'all'];

type Service = {
  command?: string[];
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  deploy?: { replicas?: number };
};
const compose = () =>
  parse(read('deploy/docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };

/** Where a process serves /metrics in the compose file: PORT for the ingest, else OPS_PORT. */
function metricsPort(s: Service): number {
  const cmd = s.command?.[0];
  return Number(cmd === 'ingest' ? s.environment?.PORT : s.environment?.OPS_PORT);
}

/**
 * Every series the processes declare, with its labels: the registries createMetrics builds, and
 * the aggregator's own (pkg/stats/aggregator.ts registers them on start; read from its source).
 */
function declaredSeries(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const kind of ['ingest', 'handler', 'scheduler'] as const) {
    for (const m of createMetrics({ process: kind, defaults: false }).registry.getMetricsAsArray()) {
      out.set(m.name, [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])]);
    }
  }
  for (const block of read('pkg/stats/aggregator.ts')
    .split(/new (?:Gauge|Counter|Histogram)\(\{/)
    .slice(1)) {
    const name = /name: '(push_\w+)'/.exec(block)?.[1];
    const labels = /labelNames: \[([^\]]*)\]/.exec(block)?.[1] ?? '';
    if (name)
      out.set(
        name,
        [...labels.matchAll(/'(\w+)'/g)].map((l) => l[1]!),
      );
  }
  return out;
}

// The series the dashboard must show (issue 14); each must be declared by the code.
const DASHBOARD_SERIES = [
  'push_http_requests_total',
  'push_http_request_duration_seconds',
  'push_deliveries_accepted_total',
  'push_deliveries_total',
  'push_deliveries_handled_total',
  'push_handler_duration_seconds',
  'push_provider_call_duration_seconds',
  'push_provider_errors_total',
  'push_provider_breaker_state',
  'push_provider_failovers_total',
  'push_provider_token_refreshes_total',
  'push_delivery_retries_total',
  'push_stream_lag',
  'push_stream_pending',
  'push_dead_letters',
  'push_aggregator_lag',
  'push_scheduler_runs_total',
  'push_handler_in_flight',
];

describe('docker compose, Prometheus and Grafana', () => {
  test('every app service runs an existing process with known variables', () => {
    const { services } = compose();
    const app = Object.entries(services).filter(([, s]) => s.build);
    assert.deepEqual(app.map(([n]) => n).sort(), ['aggregator', 'handler', 'ingest', 'migrate', 'scheduler']);
    for (const [name, s] of app) {
      const cmd = s.command?.[0];
      assert.ok(cmd && PROCESSES.includes(cmd), `${name}: ${cmd} is not a process`);
      assert.ok(existsSync(`${root}services/${cmd}/main.ts`), `${name}: services/${cmd}/main.ts missing`);
      for (const v of Object.keys(s.environment ?? {})) {
        if (v === 'NODE_OPTIONS') continue; // Node's own (the scheduler's heap cap)
        assert.ok(CONFIG_VARIABLES.includes(v), `${name}: ${v} is not a configuration variable`);
      }
      assert.equal(s.environment?.REDIS_URL, 'redis://redis:6379', `${name}: lost the shared environment`);
      // The image's HEALTHCHECK probes OPS_PORT where the process has no API, else PORT.
      if (cmd !== 'migrate') assert.ok(metricsPort(s) > 0, `${name}: no port for /healthz and /metrics`);
    }
    assert.ok((services.handler?.deploy?.replicas ?? 0) >= 2, 'two handlers at least');
    const redis = services.redis!;
    assert.ok(redis.image?.startsWith('redis:7'));
    const args = (redis.command ?? []).join(' ');
    assert.match(args, /--appendonly yes/);
    assert.match(args, /--appendfsync everysec/);
    assert.match(services.mysql?.image ?? '', /^mysql:8/);
  });

  test('Prometheus scrapes every process on the port compose gives it', () => {
    const { services } = compose();
    const prom = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    const targets = new Map<string, number>();
    for (const job of prom.scrape_configs)
      for (const sd of job.dns_sd_configs ?? []) for (const n of sd.names) targets.set(n, sd.port);
    const scraped = Object.entries(services).filter(([, s]) => s.build && s.command?.[0] !== 'migrate');
    assert.deepEqual([...targets.keys()].sort(), scraped.map(([n]) => n).sort());
    for (const [name, s] of scraped) assert.equal(targets.get(name), metricsPort(s), `${name}: port`);
    // The config and Grafana's provisioning are mounted from files that exist.
    for (const name of ['prometheus', 'grafana']) {
      for (const v of services[name]?.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./'))
          assert.ok(existsSync(`${root}deploy/${src.slice(2)}`), `${name}: ${src} missing`);
      }
    }
  });

  test('the Grafana dashboard shows every listed series, and only declared series and labels', () => {
    const declared = declaredSeries();
    for (const n of DASHBOARD_SERIES) assert.ok(declared.has(n), `${n} is not declared by the code`);
    const dash = JSON.parse(read('deploy/grafana/dashboards/pushline.json')) as {
      uid: string;
      panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
    };
    const ds = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[];
    };
    const used = new Set<string>();
    for (const p of dash.panels.filter((x) => x.type !== 'row')) {
      assert.equal(p.datasource?.uid, ds.datasources[0]?.uid, `${p.title}: datasource`);
      assert.ok(p.targets?.length, `${p.title}: no query`);
      for (const { expr } of p.targets ?? []) {
        const names = [...expr.matchAll(/\b(push_\w+?)(?:_bucket|_sum|_count)?\b(?!\()/g)].map((m) => m[1]!);
        assert.ok(names.length, `${p.title}: ${expr} names no series`);
        const labels = new Set(['le', 'process', 'instance', 'job']);
        for (const n of names) {
          assert.ok(declared.has(n), `${p.title}: ${n} is not a declared series`);
          for (const l of declared.get(n)!) labels.add(l);
          used.add(n);
        }
        for (const m of expr.matchAll(/\bby \(([^)]*)\)|\{([^}]*)\}/g)) {
          const named = m[1]
            ? m[1].split(',')
            : [...(m[2] ?? '').matchAll(/(\w+)\s*[=!~]/g)].map((x) => x[1]!);
          for (const l of named.map((x) => x.trim()).filter(Boolean))
            assert.ok(labels.has(l), `${p.title}: label ${l} is not on ${names.join(', ')}`);
        }
      }
    }
    assert.deepEqual(
      DASHBOARD_SERIES.filter((n) => !used.has(n)),
      [],
      'series without a panel',
    );
    assert.equal(ds.datasources[0]?.url, 'http://prometheus:9090');
    const provider = parse(read('deploy/grafana/provisioning/dashboards/pushline.yml')) as {
      providers: { options: { path: string } }[];
    };
    const mounts = compose().services.grafana?.volumes ?? [];
    assert.ok(mounts.includes(`./grafana/dashboards:${provider.providers[0]?.options.path}:ro`));
  });
});

describe('Dockerfile', () => {
  const docker = read('deploy/Dockerfile').replace(/\\\n/g, ' ');
  const stages = docker
    .split(/^FROM /m)
    .slice(1)
    .map((body) => ({ name: /^\S+(?: AS (\S+))?/.exec(body)?.[1], body }));
  const runtime = stages.at(-1)!;

  test('copied paths exist (and are not docker-ignored) or come from an earlier stage', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    stages.forEach(({ body }, i) => {
      for (const m of body.matchAll(/^COPY (?:--from=(\S+) )?(.+) \S+$/gm)) {
        if (m[1]) {
          const from = stages.findIndex((s) => s.name === m[1]);
          assert.ok(from >= 0 && from < i, `COPY --from=${m[1]}: no earlier stage of that name`);
          continue;
        }
        for (const src of m[2]!.split(/\s+/)) {
          assert.ok(existsSync(root + src), `COPY source ${src} missing`);
          assert.ok(!ignored.some((g) => src === g || src.startsWith(`${g}/`)), `${src} is in .dockerignore`);
        }
      }
    });
    assert.ok(
      stages.some((s) => /^RUN node deploy\/build\.mjs$/m.test(s.body)),
      'no stage runs the build',
    );
    assert.ok(
      stages.some((s) => /npm install --omit=dev/.test(s.body)),
      'no production-only install',
    );
  });

  test('the runtime stage runs compiled JavaScript, as a non-root user, with a health check', () => {
    assert.match(runtime.body, /^node:20-bookworm-slim|^\$\{NODE_IMAGE\}/);
    assert.match(read('deploy/Dockerfile'), /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    assert.match(runtime.body, /^COPY --from=build \/app\/dist \.\/dist$/m);
    // No TypeScript sources in the image, so bootstrap picks dist/ (see its runtime()).
    assert.doesNotMatch(runtime.body, /^COPY (?!--from)(pkg|services|tsconfig)/m);
    assert.match(runtime.body, /^ENTRYPOINT \["node", "deploy\/bootstrap\.mjs"\]$/m);
    const cmd = /^CMD \["(\w+)"\]$/m.exec(runtime.body)?.[1];
    assert.ok(cmd && PROCESSES.includes(cmd), `CMD ${cmd} is not a process`);
    const user = /^USER (\S+)$/m.exec(runtime.body)?.[1];
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user} must not be root`);
    assert.match(runtime.body, /^HEALTHCHECK .*\/healthz/m);
    const boot = read('deploy/bootstrap.mjs');
    for (const p of PROCESSES) assert.ok(boot.includes(`'${p}'`), `bootstrap does not know ${p}`);
    assert.match(boot, /'dist', 'services', name, 'main\.js'/);
  });

  test('every ENV is a configuration variable', () => {
    for (const { body } of stages)
      for (const m of body.matchAll(/^ENV (.+)$/gm))
        for (const kv of m[1]!.matchAll(/([A-Z_]+)=/g))
          if (kv[1] !== 'NODE_ENV') assert.ok(CONFIG_VARIABLES.includes(kv[1]!), `ENV ${kv[1]} unknown`);
  });
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
    'build',
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
