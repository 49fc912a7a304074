import type { SandboxItem } from '../../pkg/channels/providers/sandbox/inbox.ts';
import {
  type AdminClient,
  createAdminClient,
  createClient,
  type PushClient,
} from '../../pkg/client/index.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { decodeEvent, type LifecycleEvent } from '../../pkg/domain/events.ts';
import type { State } from '../../pkg/domain/states.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';

/**
 * Test harness of the filter-chain end-to-end tests (services/e2e/filters*.test.ts): a real
 * ingest in this process (send, admin and config API), handler child processes, MariaDB and
 * Redis, plus readers of what the tests look at — the lifecycle event streams, the sandbox
 * inbox and the handlers' applied live config.
 */
export type FilterStack = Awaited<ReturnType<typeof startFilterStack>>;

/** Config as the admin API takes it (sections left out take their defaults on PUT). */
export type ConfigBody = Record<string, unknown>;

/**
 * Starts ingest + stores; handlers are spawned with `stack.spawnHandlers(n)`.
 *
 * @example
 * const s = await startFilterStack({ env: { HANDLER_CONCURRENCY: '8' } });
 * await s.spawnHandlers(2);
 * await s.putConfig({ discardTemplateIds: [3] });
 * await s.close();
 */
export async function startFilterStack(opts: { env?: Record<string, string> } = {}) {
  const r = await testRedis();
  const t = await testDb('mysql');
  const env: Record<string, string> = platformEnv(
    { prefix: r.prefix, databaseUrl: t.url },
    {
      RETRY_BASE_MS: '100',
      RETRY_MAX_MS: '400',
      VISIBILITY_TIMEOUT_MS: '5000',
      // This process's ingest logs only errors (an unexpected 500 explains itself).
      LOG_LEVEL: 'error',
      ...opts.env,
    },
  );
  const core: Core = await openCore(withDevSecrets(loadConfig(env)), 'filters-test');
  const std = standardRouters(core);
  const ingest = await startIngest(core, std.routers);
  const base = `http://127.0.0.1:${ingest.port}`;
  const admin: AdminClient = createAdminClient({ baseUrl: base, token: env.ADMIN_TOKEN! });
  const { app, apiKey } = await core.repos.apps.create({ name: 'filters' });
  const client: PushClient = createClient({ baseUrl: base, apiKey });
  const handlers: ServiceProcess[] = [];
  // Per handler: how many times it applied a changed live config (its "live config: changed" log).
  const applied = new Map<ServiceProcess, number>();
  const events = createEventLog(core);

  /** Spawns `n` handler processes and waits until each has started its delivery loops. */
  async function spawnHandlers(n: number, extraEnv: Record<string, string> = {}): Promise<ServiceProcess[]> {
    const started: ServiceProcess[] = [];
    const up = new Set<ServiceProcess>();
    for (let i = 0; i < n; i++) {
      const p = spawnService('handler', { ...env, LOG_LEVEL: 'info', ...extraEnv });
      applied.set(p, 0);
      let partial = '';
      p.child.stdout?.on('data', (b: Buffer) => {
        const lines = (partial + b.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) {
          if (l.includes('"msg":"live config: changed"')) applied.set(p, applied.get(p)! + 1);
          if (l.includes('"msg":"handler started"')) up.add(p);
        }
      });
      handlers.push(p);
      started.push(p);
    }
    // (A consumer joins the group only on its first read that returns entries, so the log line
    // is the readiness signal.)
    await waitFor(
      `${n} handlers to start`,
      () => {
        for (const p of started)
          if (p.child.exitCode !== null) throw new Error(`handler exited: ${p.output()}`);
        return started.every((p) => up.has(p));
      },
      30_000,
      50,
    );
    return started;
  }

  /**
   * `PUT /v1/admin/config`; with `sync` (default), waits until every running handler applied a
   * changed config, so the next send sees it. The body must differ from the config in force.
   */
  async function putConfig(body: ConfigBody, o: { sync?: boolean } = {}): Promise<ConfigBody> {
    const live = handlers.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const before = new Map(live.map((p) => [p, applied.get(p)!]));
    const res = (await admin.putConfig(body)) as ConfigBody;
    if (o.sync ?? true) {
      await waitFor(
        'handlers to apply the config',
        () => live.every((p) => applied.get(p)! > before.get(p)!),
        5000,
        10,
      );
    }
    return res;
  }

  /**
   * Runs `change` (a config write by any route) and waits until every running handler applied
   * a changed live config; the change must make a difference.
   */
  async function whenApplied<T>(change: () => Promise<T>, timeoutMs = 5000): Promise<T> {
    const live = handlers.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const before = new Map(live.map((p) => [p, applied.get(p)!]));
    const out = await change();
    await waitFor(
      'handlers to apply the config',
      () => live.every((p) => applied.get(p)! > before.get(p)!),
      timeoutMs,
      10,
    );
    return out;
  }

  /** Everything the sandbox channel delivered so far (oldest first). */
  async function inbox(): Promise<SandboxItem[]> {
    const raw = await r.redis.lrange(core.keys.sandboxInbox(), 0, -1);
    return raw.map((s) => JSON.parse(s) as SandboxItem).reverse();
  }

  /** Sends `receivers` to a template in requests of at most 500; message ids in receiver order. */
  async function send(
    templateId: number,
    receivers: readonly string[],
    variables: Record<string, unknown> = {},
    extra: { timezone?: string } = {},
  ): Promise<string[]> {
    const out: string[] = [];
    const parts: Promise<string[]>[] = [];
    for (let i = 0; i < receivers.length; i += 500) {
      parts.push(
        client
          .send({ templateId, messages: [{ receivers: receivers.slice(i, i + 500), variables, ...extra }] })
          .then((x) => x.messageIds),
      );
    }
    for (const ids of await Promise.all(parts)) out.push(...ids);
    return out;
  }

  /** The ledger's current state of each message. */
  async function ledgerStates(ids: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.all(ids.map(async (id) => (await core.ledger.record(id))?.st));
  }

  /** Waits until every message's ledger state is one of `states` (default: an end state or sent). */
  async function settled(ids: readonly string[], timeoutMs = 20_000, states: readonly string[] = ENDS) {
    await waitFor(
      `${ids.length} messages to settle`,
      async () => (await ledgerStates(ids)).every((s) => s !== undefined && states.includes(s)),
      timeoutMs,
      50,
    );
  }

  return {
    r,
    core,
    env,
    base,
    admin,
    client,
    app,
    apiKey,
    handlers,
    events,
    spawnHandlers,
    putConfig,
    whenApplied,
    inbox,
    send,
    ledgerStates,
    settled,
    async close() {
      // Handler errors (level ≥ 50) explain a failure; print them as test diagnostics.
      for (const p of handlers) {
        for (const line of p.output().split('\n'))
          if (/"level":[56]\d/.test(line)) console.log(`# handler: ${line}`);
      }
      await Promise.all(handlers.map((p) => p.kill('SIGKILL')));
      for (const c of [...ingest.closers, ...std.closers].reverse()) await c.close();
      for (const c of [...core.closers].reverse()) await c.close();
      await r.cleanup();
      await t.cleanup();
    },
  };
}

/** Where a delivery ends up when nothing more will happen to it (sent, or a final state). */
const ENDS: readonly string[] = [
  'sent',
  'discarded',
  'blocked_whitelist',
  'blocked_sensitive',
  'shield_dropped',
  'dedup_content',
  'dedup_frequency',
  'failed',
  'cancelled',
];

/**
 * Reads the lifecycle event streams (every partition) incrementally into per-message timelines.
 * Independent of the aggregator: it reads `keys.events(n)` with XRANGE and never acknowledges.
 *
 * @example const log = createEventLog(core); await log.refresh(); log.states(id) // ['accepted', 'sending', 'sent']
 */
export function createEventLog(core: Pick<Core, 'redis' | 'keys' | 'config'>) {
  const n = core.config.eventPartitions;
  const cursor: string[] = Array.from({ length: n }, () => '-');
  const byId = new Map<string, LifecycleEvent[]>();
  return {
    async refresh(): Promise<void> {
      await Promise.all(
        cursor.map(async (_, p) => {
          for (;;) {
            const start = cursor[p] === '-' ? '-' : `(${cursor[p]}`;
            const rows = (await core.redis.xrange(core.keys.events(p), start, '+', 'COUNT', 5000)) as [
              string,
              string[],
            ][];
            for (const [, flat] of rows) {
              const f: Record<string, string> = {};
              for (let i = 0; i < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
              const e = decodeEvent(f);
              if (!e) continue;
              const list = byId.get(e.messageId);
              if (list) list.push(e);
              else byId.set(e.messageId, [e]);
            }
            if (rows.length > 0) cursor[p] = rows[rows.length - 1]![0];
            if (rows.length < 5000) return;
          }
        }),
      );
    },
    /** Events of a message in the order they were written. */
    of: (id: string): LifecycleEvent[] => byId.get(id) ?? [],
    states: (id: string): State[] => (byId.get(id) ?? []).map((e) => e.state),
  };
}

/**
 * The largest number of intervals open at once (an end at the same instant as a start does not
 * overlap it).
 *
 * @example maxOverlap([[0, 10], [5, 15], [10, 20]]) // 2
 */
export function maxOverlap(intervals: readonly (readonly [number, number])[]): number {
  const points: [number, number][] = [];
  for (const [a, b] of intervals) points.push([a, 1], [b, -1]);
  points.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of points) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

/**
 * Most items in any window of `windowMs` (sliding, anchored on each item).
 *
 * @example maxInWindow([0, 100, 900, 1000, 1500], 1000) // 3
 */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let max = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}
