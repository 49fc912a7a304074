import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES } from '../../pkg/config/config.ts';
import { ALL_ROUTES } from '../../pkg/domain/channels.ts';
import { HANDLER_GROUP } from '../../pkg/handler/start.ts';
import { createKeys } from '../../pkg/redis/keys.ts';

// No cluster here: the manifests of deploy/k8s/ are validated offline against the Kubernetes
// and KEDA schemas (kubernetes-models), then against the code they run.
const dir = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));
const PROCESSES = ['ingest', 'handler', 'aggregator', 'scheduler', 'migrate', 'all'];

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };
type Container = {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
};
type PodSpec = { containers: Container[]; securityContext?: { runAsNonRoot?: boolean; runAsUser?: number } };
type Workload = Doc & {
  spec: { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } };
};

const MODELS: Record<string, new (d: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const docs: Doc[] = files.flatMap((f) =>
  parseAllDocuments(readFileSync(dir + f, 'utf8')).map((d) => {
    assert.deepEqual(d.errors, [], `${f}: YAML errors`);
    return d.toJSON() as Doc;
  }),
);
const of = <T extends Doc>(kind: string) => docs.filter((d) => d.kind === kind) as T[];
const configMap = of<Doc & { data: Record<string, string> }>('ConfigMap')[0]!;
const secret = of<Doc & { stringData: Record<string, string> }>('Secret').find(
  (s) => s.metadata.name === 'pushline-secrets',
)!;
const workloads = [...of<Workload>('Deployment'), ...of<Workload>('Job')];

describe('Kubernetes manifests (deploy/k8s)', () => {
  test('every document validates against its schema, and kustomization lists every file', () => {
    for (const d of docs) {
      const Model = MODELS[`${d.apiVersion}/${d.kind}`];
      assert.ok(Model, `${d.kind} ${d.metadata?.name}: no schema for ${d.apiVersion}/${d.kind}`);
      assert.doesNotThrow(() => new Model(d as never).validate(), `${d.kind} ${d.metadata.name}`);
    }
    const kust = parseYaml(readFileSync(`${dir}kustomization.yaml`, 'utf8')) as { resources: string[] };
    assert.deepEqual([...kust.resources].sort(), [...files].sort());
    assert.deepEqual(
      of('Deployment')
        .map((d) => d.metadata.name)
        .sort(),
      ['aggregator', 'handler', 'ingest', 'scheduler'],
    );
  });

  test('every variable given to a process is a configuration variable', () => {
    for (const k of [...Object.keys(configMap.data), ...Object.keys(secret.stringData)])
      assert.ok(CONFIG_VARIABLES.includes(k), `${k} is not a configuration variable`);
    for (const w of workloads)
      for (const c of w.spec.template.spec.containers) {
        // NODE_OPTIONS is Node's own (the scheduler's heap cap).
        for (const e of c.env ?? [])
          assert.ok(
            e.name === 'NODE_OPTIONS' || CONFIG_VARIABLES.includes(e.name),
            `${w.metadata.name}: ${e.name}`,
          );
        for (const from of c.envFrom ?? []) {
          const name = from.configMapRef?.name ?? from.secretRef?.name;
          assert.ok(name === configMap.metadata.name || name === secret.metadata.name, `${name}: unknown`);
        }
      }
  });

  test('processes, ports, probes and Services agree; pods run locked down with resources', () => {
    for (const w of workloads) {
      const [c, ...more] = w.spec.template.spec.containers;
      assert.ok(c && more.length === 0, `${w.metadata.name}: one container`);
      assert.ok(
        c.args?.[0] && PROCESSES.includes(c.args[0]),
        `${w.metadata.name}: ${c.args} is not a process`,
      );
      assert.match(c.image, /^pushline:/);
      assert.equal(w.spec.template.spec.securityContext?.runAsNonRoot, true);
      assert.ok((w.spec.template.spec.securityContext?.runAsUser ?? 0) > 0);
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
      assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory && c.resources.limits?.memory);
      if (w.kind === 'Job') continue;
      // The ingest serves /healthz, /readyz and /metrics on PORT; the others on OPS_PORT.
      const portVar = c.args[0] === 'ingest' ? 'PORT' : 'OPS_PORT';
      const value = Number(c.env?.find((e) => e.name === portVar)?.value);
      assert.equal(c.ports?.length, 1, `${w.metadata.name}: one port`);
      const port = c.ports[0]!;
      assert.equal(port.containerPort, value, `${w.metadata.name}: containerPort is not ${portVar}`);
      for (const [probe, path] of [
        [c.livenessProbe, '/healthz'],
        [c.readinessProbe, '/readyz'],
      ] as const) {
        assert.equal(probe?.httpGet?.path, path);
        assert.ok(
          [port.name, port.containerPort].includes(probe?.httpGet?.port as never),
          `${w.metadata.name}: probe port`,
        );
      }
      const labels = w.spec.template.metadata?.labels ?? {};
      const svc = of<
        Doc & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: unknown }[] } }
      >('Service').find((s) => Object.entries(s.spec.selector).every(([k, v]) => labels[k] === v));
      assert.ok(svc, `${w.metadata.name}: no Service selects it`);
      assert.ok(
        svc.spec.ports.some((p) => p.port === value && [port.name, value].includes(p.targetPort as never)),
      );
      const pdb = of<Doc & { spec: { selector: { matchLabels: Record<string, string> } } }>(
        'PodDisruptionBudget',
      ).find((p) => Object.entries(p.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      assert.ok(pdb, `${w.metadata.name}: no PodDisruptionBudget`);
    }
    assert.equal(
      of<Doc & { spec: { replicas?: number } }>('Deployment').find((d) => d.metadata.name === 'ingest')?.spec
        .replicas,
      2,
    );
  });

  test('KEDA scales the handlers on the lag of every route stream of their consumer group', () => {
    const [so] = of<
      Doc & {
        spec: {
          scaleTargetRef: { name: string };
          triggers: {
            type: string;
            metadata: Record<string, string>;
            authenticationRef?: { name: string };
          }[];
        };
      }
    >('ScaledObject');
    assert.ok(so);
    assert.equal(so.spec.scaleTargetRef.name, 'handler');
    const keys = createKeys(configMap.data.KEY_PREFIX ?? 'push:');
    const streams = so.spec.triggers.map((t) => t.metadata.stream);
    assert.deepEqual([...streams].sort(), ALL_ROUTES.map((r) => keys.stream(r)).sort());
    const auth = of('TriggerAuthentication').map((a) => a.metadata.name);
    for (const t of so.spec.triggers) {
      assert.equal(t.type, 'redis-streams');
      assert.equal(t.metadata.consumerGroup, HANDLER_GROUP, `${t.metadata.stream}: consumer group`);
      assert.ok(Number(t.metadata.lagCount) > 0 || Number(t.metadata.pendingEntriesCount) > 0);
      assert.match(t.metadata.address ?? '', /^redis\.\S+:6379$/, 'the Redis of REDIS_URL');
      assert.ok(t.authenticationRef && auth.includes(t.authenticationRef.name));
    }
    assert.match(configMap.data.REDIS_URL ?? '', /^redis:\/\/redis:6379$/);
  });
});
