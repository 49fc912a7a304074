import type { Logger } from '../telemetry/logger.ts';

/**
 * Pulls delivery receipts from SMS providers into the receipts inbox (pkg/receipts; wired in
 * services/scheduler/wire.ts), plugged in through `startScheduler(core, { smsReceipts })`. It
 * runs on the leader only, so providers are polled once per period however many schedulers run.
 *
 * @example const pull: SmsReceiptPuller = async (now) => { await provider.fetchReceiptsSince(now - 60_000); };
 */
export type SmsReceiptPuller = (now: number) => Promise<void>;

/**
 * Throttles a receipt puller to one call per `everyMs` (elapsed time, immune to clock steps); failures are logged and the
 * next period tries again. With no puller the result does nothing.
 *
 * @example const pull = throttledReceipts({ puller, everyMs: 30_000, log }); await pull(Date.now());
 */
export function throttledReceipts(opts: {
  puller: SmsReceiptPuller | undefined;
  everyMs: number;
  log: Logger;
  /** Told after each pull whether it succeeded (metrics). */
  onRun?: (ok: boolean) => void;
}): (now: number) => Promise<void> {
  let last = Number.NEGATIVE_INFINITY;
  return async (now) => {
    // A monotonic clock: a wall clock stepped back an hour would otherwise stop pulls for an hour.
    if (!opts.puller || performance.now() - last < opts.everyMs) return;
    last = performance.now();
    const ok = await opts.puller(now).then(
      () => true,
      (err) => {
        opts.log.error({ err }, 'SMS receipt pull failed');
        return false;
      },
    );
    opts.onRun?.(ok);
  };
}
