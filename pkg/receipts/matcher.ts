import type { Entry, Settlement } from '../bus/entry.ts';
import type { Receipt } from '../channels/definition.ts';
import { decodeReceipt, encodeReceipt } from './inbox.ts';

/** What became of a receipt at the message's record (pkg/lifecycle `ledger.receipt`). */
export type ReceiptResult = 'recorded' | 'duplicate' | 'unknown';

/**
 * What the matcher needs. @example createMatcher({ lookup, record, now: Date.now })
 */
export type MatcherDeps = Readonly<{
  /** The message a receipt names (by its echoed id, or by the provider's id and number). */
  lookup: (accountId: number, receipt: Receipt) => Promise<string | undefined>;
  /** Records the receipt on the message (timeline event, counters via the aggregator). */
  record: (messageId: string, receipt: Receipt) => Promise<ReceiptResult>;
  /** A receipt for a message whose record has expired: only its SMS record can still take it. */
  expired?: (messageId: string, accountId: number, receipt: Receipt) => Promise<void>;
  now?: () => number;
  /** First wait before looking again for a message not found yet (default 1 s); it doubles. */
  retryMs?: number;
  /** Longest wait between looks (default 60 s). */
  maxRetryMs?: number;
  /** Looks before a receipt counts as unmatched and is dead-lettered (default 20: ~15 min). */
  maxTries?: number;
  onMatched?: (result: ReceiptResult) => void;
}>;

/**
 * Matches inbox receipts to their messages. A receipt can come before its send's record is
 * written (records are written off the send path, usually within a second), so one not found
 * yet waits and is looked for again — 1 s, 2 s, 4 s … up to 60 s apart ({@link receiptRetryDelay}),
 * `maxTries` times in all; then it is dead-lettered as `UNMATCHED`. Duplicate receipts are
 * the ledger's to ignore. A throw (database or Redis down) leaves the entry pending.
 *
 * @example const handle = createMatcher({ lookup, record }); await handle(entry) // { kind: 'ack' }
 */
export function createMatcher(deps: MatcherDeps): (entry: Entry) => Promise<Settlement> {
  const now = deps.now ?? Date.now;
  const retryMs = deps.retryMs ?? 1000;
  const maxRetryMs = deps.maxRetryMs ?? 60_000;
  const maxTries = deps.maxTries ?? 20;
  return async (entry) => {
    const r = decodeReceipt(entry.fields);
    if (!r) return { kind: 'dead', fields: { ...entry.fields, dlq_reason: 'MALFORMED' } };
    const messageId = await deps.lookup(r.accountId, r.receipt);
    if (!messageId) {
      if (r.tries + 1 >= maxTries)
        return { kind: 'dead', fields: { ...entry.fields, dlq_reason: 'UNMATCHED' } };
      const fields = Object.fromEntries(pairs(encodeReceipt({ ...r, tries: r.tries + 1 })));
      return { kind: 'delay', dueAt: now() + receiptRetryDelay(r.tries, retryMs, maxRetryMs), fields };
    }
    const result = await deps.record(messageId, r.receipt);
    if (result === 'unknown') await deps.expired?.(messageId, r.accountId, r.receipt);
    deps.onMatched?.(result);
    return { kind: 'ack' };
  };
}

/**
 * The wait before look number `tries + 2` for a receipt's message: `firstMs` doubled per look
 * already made, capped at `maxMs`. Short first waits matter: a pull that outruns the record
 * writer by a moment must not hold the receipt for long.
 *
 * @example receiptRetryDelay(0, 1000, 60_000) // 1000; receiptRetryDelay(3, 1000, 60_000) // 8000
 */
export function receiptRetryDelay(tries: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(tries, 30));
}

function* pairs(flat: readonly string[]): Generator<[string, string]> {
  for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!];
}
