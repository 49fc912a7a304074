/**
 * Small timing helpers of the bus loops: a nap that a signal can cut short, and a repeating task
 * that never overlaps itself.
 */

/**
 * `nap(ms)` resolves after `ms` or as soon as `wake()` is called, whichever is first.
 *
 * @example const w = createWaker(); setTimeout(w.wake, 10); await w.nap(1000); // ~10 ms
 */
export function createWaker() {
  let waiter: (() => void) | undefined;
  return {
    wake: () => waiter?.(),
    nap: (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          if (waiter === done) waiter = undefined;
          resolve();
        }
        waiter = done;
      }),
  };
}

/**
 * Runs `fn` every `ms` (measured from the end of the previous run, so runs never overlap) until
 * `cancel()`. `current()` is the run in progress, if any, for a shutdown to await.
 *
 * @example const r = repeat(1000, sweep); …; r.cancel(); await r.current();
 */
export function repeat(ms: number, fn: () => Promise<void>) {
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const run = () => {
    running = fn().finally(() => {
      running = undefined;
      if (!cancelled) timer = setTimeout(run, ms);
    });
  };
  timer = setTimeout(run, ms);
  return {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
    current: () => running,
  };
}
