import { ALL_ROUTES } from '../domain/channels.ts';
import type { RedisClient } from '../redis/client.ts';
import { keyCommand } from '../redis/cluster.ts';
import type { Keys } from '../redis/keys.ts';
import { readStreams, type StreamSnapshot } from '../telemetry/stream-metrics.ts';

/**
 * Every consumer-group stream of the platform (each route's deliveries, each event partition,
 * the callbacks outbox, the receipts inbox) and every dead-letter stream, by key.
 *
 * @example watchedStreams(keys, 8).streams.length // routes + 8 partitions + 2
 */
export function watchedStreams(
  keys: Keys,
  partitions: number,
): { streams: readonly string[]; deadLetters: readonly string[] } {
  const parts = Array.from({ length: partitions }, (_, p) => p);
  return {
    streams: [
      ...ALL_ROUTES.map((r) => keys.stream(r)),
      ...parts.map((p) => keys.events(p)),
      keys.callbacks(),
      keys.receipts(),
    ],
    deadLetters: [
      ...ALL_ROUTES.map((r) => keys.deadLetters(r)),
      ...parts.map((p) => keys.callbacksEventsDead(p)),
      ...parts.map((p) => keys.smsRecordsEventsDead(p)),
      keys.callbacksDead(),
      keys.receiptsDead(),
    ],
  };
}

/**
 * The stream gauges' source for the scheduler's metrics: read only while `leads()` (one
 * scheduler reports for the fleet, so the values are not repeated per instance), else nothing.
 *
 * @example const m = createMetrics({ process: 'scheduler', streams: streamsSource({ redis, keys, partitions: 8, leads: () => s.isLeader() }) });
 */
export function streamsSource(opts: {
  redis: RedisClient;
  keys: Keys;
  partitions: number;
  leads: () => boolean;
}): () => Promise<StreamSnapshot | undefined> {
  const watched = watchedStreams(opts.keys, opts.partitions);
  const { redis } = opts;
  const read = readStreams({
    redis: {
      xinfoGroups: (key) => keyCommand(redis, key, ['XINFO', 'GROUPS', key]),
      xlen: (key) => redis.xlen(key),
    },
    prefix: opts.keys.prefix,
    streams: () => watched.streams,
    deadLetters: () => watched.deadLetters,
  });
  return async () => (opts.leads() ? read() : undefined);
}
