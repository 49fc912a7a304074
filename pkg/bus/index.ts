/**
 * pkg/bus — Redis Streams plumbing: publish, consumer-group loop with bounded in-flight work,
 * janitor (claim stalled, dead-letter exhausted), safe trimming, delayed sets. It moves stream
 * entries of flat string fields and knows nothing about what they mean.
 *
 * @example import { publish, startConsumer } from './index.ts';
 */
export { type Consumer, type ConsumerCounters, type ConsumerOptions, startConsumer } from './consumer.ts';
export {
  type DelayedItem,
  decodeMember,
  encodeMember,
  moveDue,
  scheduleDelayed,
  scheduleDelayedMany,
} from './delayed.ts';
export { type Entry, type Fields, fieldsOf, flatOf, type Settlement } from './entry.ts';
export { MAX_DELIVERIES_REASON, type ReclaimOptions, reclaimStalled, touchPending } from './janitor.ts';
export { groupLag, pendingCount } from './lag.ts';
export { type MoverCounters, type MoverOptions, startMover } from './mover.ts';
export { ensureGroup, type Outgoing, publish, unavailable } from './publish.ts';
export { type SettleTarget, settle } from './settle.ts';
export { createSlots, type Slots } from './slots.ts';
export { trimAcknowledged } from './trim.ts';
