import { type FakeWebhookReceiver, startFakeWebhookReceiver } from '../channels/providers/webhook/fake.ts';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { type Core, openCore } from '../process/core.ts';
import type { DeliveryFigures } from './chaos-checks.ts';
import { checkCounters, checkDeliveries, eventsFolded, leftPending } from './chaos-checks.ts';
import type { Accepted } from './chaos-load.ts';
import { type Persistence, type PrivateRedis, startPrivateRedis } from './chaos-redis.ts';
import { reportScenario } from './chaos-report.ts';
import { platformEnv } from './platform.ts';
import { type ServiceProcess, spawnService } from './processes.ts';
import { freePort, randomTag, testDb, waitFor } from './testkit.ts';

/** The platform's process kinds a chaos scenario runs, kills and restarts. */
export type Role = 'ingest' | 'handler' | 'aggregator' | 'scheduler';

const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * A chaos scenario's world: a private `redis-server` (AOF as asked), a fresh MariaDB database,
 * a webhook receiver standing in for the provider (it records every call, `webhook-id` = the
 * message id), an app with a webhook template, the platform as real processes (`ingests`
 * ingest instances on fixed ports, handlers, the aggregator, the scheduler) that the scenario
 * kills and restarts, and the after-checks over all of it. Timezone UTC, 5 s visibility
 * timeout, short retries.
 *
 * @example
 * const w = await startChaos('kill', { persistence: 'none', ingests: 2 });
 * w.spawn('handler'); w.spawn('aggregator'); w.spawn('scheduler');
 * // … runLoad({ bases: w.bases, apiKey: w.apiKey, templateId: w.templateId, receiverOf: w.receiverOf, … }) …
 * const figures = await w.settleAndCheck(accepted);
 * await w.close();
 */
export async function startChaos(
  name: string,
  opts: { persistence: Persistence; ingests?: number; extra?: Readonly<Record<string, string>> },
) {
  const redis: PrivateRedis = await startPrivateRedis(opts.persistence);
  const t = await testDb('mysql');
  const rx: FakeWebhookReceiver = await startFakeWebhookReceiver({ secret: HOOK_SECRET });
  const env = {
    ...platformEnv(
      { prefix: `c${randomTag()}:`, databaseUrl: t.url },
      {
        REDIS_URL: redis.url,
        TIMEZONE: 'UTC',
        RETRY_BASE_MS: '100',
        RETRY_MAX_MS: '500',
        MAX_ATTEMPTS: '6',
        VISIBILITY_TIMEOUT_MS: '5000',
        HANDLER_CONCURRENCY: '20',
        AGGREGATOR_LEASE_MS: '2000',
        LOG_LEVEL: 'warn',
        ...opts.extra,
      },
    ),
  };
  const core: Core = await openCore(withDevSecrets(loadConfig(env)), `chaos-${name}`);
  const shop = await core.repos.apps.create({ name: `chaos-${name}` });
  const account = await core.repos.accounts.create({
    name: 'hooks (on-prem)',
    channel: 'webhook',
    provider: 'webhook',
    config: { secret: HOOK_SECRET, allowPrivateNetworks: true },
  });
  const template = await core.repos.templates.create({
    name: `chaos ${name}`,
    channel: 'webhook',
    messageType: 'notice',
    accountId: account.id,
    appId: shop.app.id,
    content: { body: { event: 'chaos', n: '{$n}' } },
  });

  const ingestPorts: number[] = [];
  for (let i = 0; i < (opts.ingests ?? 1); i++) ingestPorts.push(await freePort());
  const running = new Map<string, ServiceProcess>();
  const everyProcess: ServiceProcess[] = [];
  const slot = (role: Role, i: number) => `${role}#${i}`;

  const world = {
    env,
    core,
    redis,
    rx,
    apiKey: shop.apiKey,
    appId: shop.app.id,
    templateId: template.id,
    /** The receiver URL of delivery `i`. */
    receiverOf: (i: number) => `${rx.url}/h/${i}`,
    /** The base URLs of the ingest instances. */
    bases: () => ingestPorts.map((p) => `http://127.0.0.1:${p}`),
    /** Message ids the provider received (verified calls only), one per call. */
    receivedIds: () => rx.received.filter((x) => x.verified.ok).map((x) => x.headers['webhook-id'] ?? ''),
    /** The running process of a role's slot `i` (default 0). */
    process: (role: Role, i = 0) => running.get(slot(role, i)),
    /** Starts (or restarts) slot `i` of a role; ingest instances keep their port and are waited for. */
    async spawn(role: Role, i = 0): Promise<ServiceProcess> {
      const extra: Record<string, string> = role === 'ingest' ? { PORT: String(ingestPorts[i]) } : {};
      const p = spawnService(role, { ...env, ...extra });
      running.set(slot(role, i), p);
      everyProcess.push(p);
      if (role === 'ingest') {
        await waitFor(
          `ingest #${i} up`,
          () =>
            fetch(`${world.bases()[i]}/healthz`).then(
              (res) => res.ok,
              () => false,
            ),
          // Starting through tsx takes seconds, far more on a loaded CI machine.
          150_000,
          100,
        ).catch((err) => {
          throw new Error(`${(err as Error).message}\n${p.output()}`);
        });
      }
      return p;
    },
    /** SIGKILLs slot `i` of a role and waits for it to be gone. */
    async kill(role: Role, i = 0): Promise<void> {
      await running.get(slot(role, i))?.kill('SIGKILL');
      running.delete(slot(role, i));
    },
    /** Output of every process started so far (for failure messages), last 20,000 characters. */
    output: () =>
      everyProcess
        .map((p) => p.output())
        .join('\n---\n')
        .slice(-20_000),

    /**
     * Waits until every accepted delivery reached the provider or its dead letters, the
     * aggregator folded every event and no consumer group holds a pending entry, then runs the
     * after-checks. Does not throw on a mismatch: the scenario asserts on the figures.
     */
    async settleAndCheck(accepted: ReadonlyMap<string, Accepted>, timeoutMs = 90_000) {
      const deps = { redis: core.redis, keys: core.keys, partitions: core.config.eventPartitions };
      const ended = async () => {
        const got = new Set(world.receivedIds());
        const open = [...accepted.keys()].filter((id) => !got.has(id));
        if (open.length > 200) return false;
        const records = await Promise.all(open.map((id) => core.ledger.record(id)));
        return records.every((r) => r?.st === 'dead_lettered' || r?.st === 'sent');
      };
      const settled = await waitFor('every delivery ended', ended, timeoutMs, 250).then(
        () => true,
        () => false,
      );
      const folded = await waitFor('events folded', () => eventsFolded(deps), 30_000, 100).then(
        () => true,
        () => false,
      );
      const idle = await waitFor(
        'nothing pending',
        async () => Object.keys(await leftPending(core.redis, core.keys)).length === 0,
        // An entry a consumer could not finish (its lookup met an outage) is claimed again after
        // the 30 s visibility timeout: wait past it.
        60_000,
        200,
      ).then(
        () => true,
        () => false,
      );
      const deliveries = await checkDeliveries({ ...deps, accepted, receivedIds: world.receivedIds() });
      const counters = await checkCounters({ ...deps, offsetHours: 0 });
      const pending = await leftPending(core.redis, core.keys);
      return { settled, folded, idle, deliveries, counters, pending };
    },

    async close(): Promise<void> {
      await Promise.all(everyProcess.map((p) => p.kill('SIGKILL')));
      for (const c of [...core.closers].reverse()) await Promise.resolve(c.close()).catch(() => undefined);
      await rx.close();
      await redis.stop();
      await t.cleanup();
    },
  };
  return world;
}

export type ChaosWorld = Awaited<ReturnType<typeof startChaos>>;

/**
 * The report's counters cell and its verdict from a check's counter comparison.
 *
 * @example countersCell({ cells: 412, diff: [], events: 9000 }) // 'counters = events (412 cells, 9000 events)'
 */
export function countersCell(c: { cells: number; diff: readonly string[]; events: number }): string {
  return c.diff.length === 0
    ? `counters = events (${c.cells} cells, ${c.events} events)`
    : `${c.diff.length} of ${c.cells} cells differ`;
}

/**
 * Records a scenario's report row from the after-checks of `settleAndCheck`: figures from the
 * delivery check (duplicates explained by a marked in-doubt resend counted apart) and the counters
 * cell from the counter comparison.
 *
 * @example reportChecked('SIGKILL handler ×3', await w.settleAndCheck(accepted), '315 client retries');
 */
export function reportChecked(
  scenario: string,
  c: { deliveries: DeliveryFigures; counters: { cells: number; diff: readonly string[]; events: number } },
  notes?: string,
): void {
  const d = c.deliveries;
  reportScenario({
    scenario,
    accepted: d.accepted,
    sent: d.sent,
    deadLettered: d.deadLettered,
    lost: d.lost.length,
    duplicated: d.duplicated.length - d.inDoubt.length,
    inDoubt: d.inDoubt.length,
    counters: countersCell(c.counters),
    ...(notes === undefined ? {} : { notes }),
  });
}
