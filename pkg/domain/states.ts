/**
 * Lifecycle states of a delivery (stable strings: used in events, the API and counters).
 */
export const STATES = [
  'accepted',
  'scheduled',
  'discarded',
  'blocked_whitelist',
  'blocked_sensitive',
  'sensitive_masked',
  'shield_dropped',
  'shield_delayed',
  'dedup_content',
  'dedup_frequency',
  'throttled',
  'sending',
  'sent',
  'retrying',
  'failed',
  'dead_lettered',
  'delivered',
  'read',
  'recalled',
  'cancelled',
  'replayed',
] as const;
export type State = (typeof STATES)[number];

/** @example isState('sent') // true */
export const isState = (v: unknown): v is State => typeof v === 'string' && STATES.includes(v as State);

/**
 * States after which nothing more happens to a delivery in the platform (receipts may still
 * arrive after `sent`, which is why `sent` is not final for traces but is for sending).
 */
export const FINAL_STATES: ReadonlySet<State> = new Set([
  'discarded',
  'blocked_whitelist',
  'blocked_sensitive',
  'shield_dropped',
  'dedup_content',
  'dedup_frequency',
  'failed',
  'dead_lettered',
  'cancelled',
  'recalled',
]);
