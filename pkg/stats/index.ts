/**
 * Lifecycle statistics: the pure fold of events into deltas, the exactly-once apply, the
 * aggregator process loop with partition leases, and the reads behind the data API.
 *
 * @example import { startAggregator, messageTrace, eventLag } from './index.ts';
 */
export {
  AGGREGATOR_CONSUMER,
  type Aggregator,
  type AggregatorOptions,
  startAggregator,
} from './aggregator.ts';
export { AGGREGATOR_GROUP, type Applier, createApplier, type EventEntry } from './apply.ts';
export { bucketer, dayRange, isDay, MAX_STATS_DAYS, todayIn } from './buckets.ts';
export { type Deltas, type FoldInput, fold } from './fold.ts';
export { type EventLag, eventLag } from './lag.ts';
export { createLiveTail, type LiveEvent, type LiveTail } from './live.ts';
export {
  type MessageTrace,
  messageTrace,
  type ReadDeps,
  type ReceiverMessages,
  receiverMessages,
  type TemplateStats,
  templateStats,
} from './read.ts';
export { trimFolded } from './trim.ts';
