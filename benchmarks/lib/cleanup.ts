/**
 * Clean-up on interruption: a benchmark stopped with Ctrl-C (or killed with SIGTERM) still stops
 * its processes, deletes its keys and drops its database, instead of leaving millions of keys in
 * a shared Redis.
 */
const cleanups = new Set<() => Promise<unknown>>();
let exiting = false;

const onSignal = async () => {
  if (exiting) process.exit(130);
  exiting = true;
  process.stderr.write('interrupted: cleaning up\n');
  const all = [...cleanups].reverse();
  await Promise.race([
    (async () => {
      for (const c of all) await c().catch(() => undefined);
    })(),
    new Promise((r) => setTimeout(r, 60_000).unref()),
  ]);
  process.exit(130);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

/**
 * Registers work to do if the harness is interrupted; returns the function that unregisters it
 * (call it once the normal path cleaned up).
 *
 * @example const done = onInterrupt(() => platform.stop()); try { ... } finally { await platform.stop(); done(); }
 */
export function onInterrupt(fn: () => Promise<unknown>): () => void {
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}
