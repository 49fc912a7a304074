import { catalog } from '../../pkg/channels/catalog.ts';
import { cachedAccounts, createPlatformSenders } from '../../pkg/channels/senders.ts';
import type { Core } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { addReceipts } from '../../pkg/receipts/inbox.ts';
import { createReceiptsPuller } from '../../pkg/receipts/pull.ts';
import { connectRedis } from '../../pkg/redis/client.ts';
import {
  type Scheduler,
  type SchedulerOptions,
  startScheduler,
  streamsSource,
} from '../../pkg/scheduler/index.ts';
import { startSmsRecords } from '../../pkg/sms-records/start.ts';
import { createMetrics, type SchedulerMetrics } from '../../pkg/telemetry/metrics.ts';

/** How far back sends still wait for a pulled receipt (providers keep them a few days). */
const PENDING_WINDOW_MS = 3 * 86_400_000;
/** Sends per account handed to a query-style pull each period (Aliyun asks per number). */
const PENDING_PAGE = 200;

/**
 * The scheduler's SMS receipt pull, wired: senders of its own (built like the handler's), every
 * live SMS account whose provider can be pulled, its sends still waiting, and the receipts
 * inbox as the destination. The scheduler runs it on the leader every `RECEIPTS_PULL_MS`.
 *
 * @example const r = smsReceiptsPull(core); startScheduler(core, { smsReceipts: r.pull, receiptsEveryMs: core.config.receiptsPullMs });
 */
export function smsReceiptsPull(core: Core): { pull: (now: number) => Promise<void>; closers: Closer[] } {
  const platform = createPlatformSenders({
    catalog,
    redis: core.redis,
    keys: core.keys,
    loadAccount: cachedAccounts(core.repos.accounts),
  });
  const pullable = new Set(
    catalog.list.filter((d) => d.channel === 'sms' && d.capabilities.receipts).map((d) => d.provider),
  );
  const pull = createReceiptsPuller({
    async accounts() {
      const ids: number[] = [];
      for (let page = 1; ; page++) {
        const { items } = await core.repos.accounts.list({ channel: 'sms', page, pageSize: 200 });
        ids.push(...items.filter((a) => pullable.has(a.provider)).map((a) => a.id));
        if (items.length < 200) return ids;
      }
    },
    async pull(accountId, pending) {
      const got = await platform.senders.get(accountId);
      return got?.sender.pullReceipts?.(pending);
    },
    async pending(accountId) {
      const rows = await core.repos.smsRecords.pending(
        accountId,
        Date.now() - PENDING_WINDOW_MS,
        PENDING_PAGE,
      );
      return rows.map((r) => ({
        providerMessageId: r.providerMessageId ?? '',
        receiver: r.phone,
        sentAt: r.sentAt,
      }));
    },
    add: (accountId, receipts) => addReceipts(core.redis, core.keys, accountId, receipts),
    log: core.log,
  });
  return { pull, closers: [{ name: 'receipt-senders', close: () => platform.close() }] };
}

/**
 * The SMS record writer (pkg/sms-records), run by the scheduler process: it reads every
 * lifecycle event (consumer group `sms-records`), so it lives beside the scheduler's light work
 * rather than in the handler, whose CPU belongs to sending. Records are written off the send
 * path: a database outage delays them, never sends.
 *
 * @example const w = await smsRecordsWriter(core); // w.closers on shutdown
 */
export async function smsRecordsWriter(core: Core): Promise<{ closers: Closer[] }> {
  const blocking = connectRedis(core.config, 'blocking');
  const records = await startSmsRecords({
    redis: core.redis,
    blocking,
    keys: core.keys,
    partitions: core.config.eventPartitions,
    apply: (changes) => core.repos.smsRecords.apply(changes),
    consumer: core.instance,
    log: core.log,
  });
  return {
    closers: [
      {
        name: 'sms-records-blocking',
        close: () =>
          blocking.quit().then(
            () => undefined,
            () => blocking.disconnect(),
          ),
      },
      { name: 'sms-records', close: () => records.stop() },
    ],
  };
}

/**
 * The scheduler with its metrics: its firings, and, while it leads, every stream's backlog and
 * dead letters (read on scrape, so the fleet reports them once). `defaults: false` leaves the
 * Node process metrics to another registry (the all-in-one process).
 *
 * @example const { scheduler, metrics } = startMeteredScheduler(core, { smsReceipts }); // metrics.registry → /metrics
 */
export function startMeteredScheduler(
  core: Core,
  opts: SchedulerOptions,
  metricsOpts: { defaults?: boolean } = {},
): { scheduler: Scheduler; metrics: SchedulerMetrics } {
  let scheduler: Scheduler | undefined;
  const metrics = createMetrics({
    process: 'scheduler',
    ...metricsOpts,
    streams: streamsSource({
      redis: core.redis,
      keys: core.keys,
      partitions: core.config.eventPartitions,
      leads: () => scheduler?.isLeader() ?? false,
    }),
  });
  scheduler = startScheduler(core, { ...opts, metrics });
  return { scheduler, metrics };
}
