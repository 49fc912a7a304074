import type { PendingReceipt, Receipt } from '../channels/definition.ts';
import type { Logger } from '../telemetry/logger.ts';

/**
 * What the receipts puller needs. @example createReceiptsPuller({ accounts, pull, pending, add, log })
 */
export type PullerDeps = Readonly<{
  /** Ids of the accounts to pull (live SMS accounts). */
  accounts: () => Promise<readonly number[]>;
  /** The account's pull (undefined: its provider has none). */
  pull: (accountId: number, pending: readonly PendingReceipt[]) => Promise<readonly Receipt[] | undefined>;
  /** Sends of the account still without a receipt (query-style pulls need them). */
  pending: (accountId: number) => Promise<readonly PendingReceipt[]>;
  /** Into the receipts inbox. */
  add: (accountId: number, receipts: readonly Receipt[]) => Promise<number>;
  log: Logger;
}>;

/**
 * One pass over every account: pull its receipts and put them into the inbox, where they are
 * matched like callbacks. One account failing (credentials, provider down) is logged and the
 * others still pulled; the next pass tries it again. Returns how many receipts came in.
 *
 * @example const pass = createReceiptsPuller(deps); startScheduler(core, { smsReceipts: pass });
 */
export function createReceiptsPuller(deps: PullerDeps): (now: number) => Promise<void> {
  return async () => {
    for (const accountId of await deps.accounts()) {
      try {
        const got = await deps.pull(accountId, await deps.pending(accountId));
        if (got?.length) {
          await deps.add(accountId, got);
          deps.log.info({ accountId, receipts: got.length }, 'provider receipts pulled');
        }
      } catch (err) {
        deps.log.warn({ err, accountId }, 'receipt pull failed; tried again next period');
      }
    }
  };
}
