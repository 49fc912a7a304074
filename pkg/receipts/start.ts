import { ensureGroup, startConsumer, startMover } from '../bus/index.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from '../telemetry/logger.ts';
import { createMatcher, type MatcherDeps, type ReceiptResult } from './matcher.ts';

/** Consumer group of the receipts inbox. @example groupLag(redis, keys.receipts(), RECEIPTS_GROUP) */
export const RECEIPTS_GROUP = 'receipts';

/**
 * Starts matching the receipts inbox (consumer group `receipts`, claim of stalled entries, a
 * mover for receipts waiting for their record): what provider callbacks and pulls put in is
 * recorded on its message at least once, and duplicates change nothing.
 *
 * @example
 * const r = await startReceipts({ redis, blocking, keys, consumer: core.instance, log, lookup, record });
 * await r.stop();
 */
export async function startReceipts(
  opts: MatcherDeps &
    Readonly<{
      redis: Redis;
      /** A connection for XREADGROUP BLOCK used by nothing else. */
      blocking: Redis;
      keys: Keys;
      consumer: string;
      log: Logger;
      visibilityTimeoutMs?: number;
    }>,
) {
  const { redis, keys, log } = opts;
  const stream = keys.receipts();
  await ensureGroup(redis, stream, RECEIPTS_GROUP, '0');
  const counts: Record<ReceiptResult, number> = { recorded: 0, duplicate: 0, unknown: 0 };
  const consumer = await startConsumer({
    redis,
    blocking: opts.blocking,
    streams: [stream],
    group: RECEIPTS_GROUP,
    consumer: opts.consumer,
    concurrency: () => 32,
    handle: createMatcher({
      ...opts,
      onMatched: (r) => {
        counts[r]++;
        opts.onMatched?.(r);
      },
    }),
    delayedKeyOf: () => keys.receiptsDelayed(),
    deadKeyOf: () => keys.receiptsDead(),
    onError: (err) => log.error({ err }, 'receipt left pending for another try'),
    ...(opts.visibilityTimeoutMs ? { visibilityTimeoutMs: opts.visibilityTimeoutMs } : {}),
  });
  const mover = startMover({
    redis,
    streams: [stream],
    delayedKeyOf: () => keys.receiptsDelayed(),
    intervalMs: 1000,
    onError: (err) => log.error({ err }, 'receipts mover failed'),
  });
  return {
    counters: () => ({ ...counts, ...consumer.counters() }),
    async stop() {
      await mover.stop();
      await consumer.stop();
    },
  };
}
