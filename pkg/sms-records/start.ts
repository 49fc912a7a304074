import { ensureGroup, startConsumer } from '../bus/index.ts';
import { decodeEvent } from '../domain/events.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { tickBatcher } from '../redis/tick-batch.ts';
import type { SmsRecordChange } from '../store/sms-records.ts';
import type { Logger } from '../telemetry/logger.ts';
import { recordChangeOf } from './fold.ts';

/** Consumer group of the SMS record writer on the event streams. */
export const SMS_RECORDS_GROUP = 'sms-records';

/**
 * Starts the SMS record writer: consumer group `sms-records` on every lifecycle event stream,
 * folding SMS events into the `sms_records` table (one upsert statement per turn for what the
 * reads of that turn brought). It runs off the send path: a database outage delays records
 * (entries stay pending and are read again), never sends. A fresh group starts at the streams'
 * beginning, so what is still in them is recorded too.
 *
 * @example
 * const w = await startSmsRecords({ redis, blocking, keys, partitions: 8, apply: (c) => repos.smsRecords.apply(c), consumer, log });
 * await w.stop();
 */
export async function startSmsRecords(opts: {
  redis: Redis;
  /** A connection for XREADGROUP BLOCK used by nothing else. */
  blocking: Redis;
  keys: Keys;
  partitions: number;
  apply: (changes: readonly SmsRecordChange[]) => Promise<void>;
  consumer: string;
  log: Logger;
  visibilityTimeoutMs?: number;
}) {
  const { redis, keys } = opts;
  const byStream = new Map<string, number>();
  for (let p = 0; p < opts.partitions; p++) byStream.set(keys.events(p), p);
  const streams = [...byStream.keys()];
  await Promise.all(streams.map((s) => ensureGroup(redis, s, SMS_RECORDS_GROUP, '0')));
  let written = 0;
  const write = tickBatcher<SmsRecordChange, null>({
    groupOf: () => 0,
    max: 1000,
    run: async (_g, changes) => {
      await opts.apply(changes);
      written += changes.length;
      return changes.map(() => null);
    },
  });
  const consumer = await startConsumer({
    redis,
    blocking: opts.blocking,
    streams,
    group: SMS_RECORDS_GROUP,
    consumer: opts.consumer,
    concurrency: () => 500,
    batchSize: 500,
    handle: async (entry) => {
      const e = decodeEvent(entry.fields);
      const change = e && recordChangeOf(e);
      if (change) await write(change);
      return { kind: 'ack' };
    },
    delayedKeyOf: (s) => `${s}:sms-delayed`,
    deadKeyOf: (s) => keys.smsRecordsEventsDead(byStream.get(s) ?? 0),
    onError: (err) => opts.log.error({ err }, 'SMS record write left pending for another try'),
    // The aggregator trims the event streams by its own retention; acknowledged is not enough.
    trim: false,
    ...(opts.visibilityTimeoutMs ? { visibilityTimeoutMs: opts.visibilityTimeoutMs } : {}),
  });
  return {
    counters: () => ({ ...consumer.counters(), written }),
    stop: () => consumer.stop(),
  };
}
