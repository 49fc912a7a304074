import type { Logger } from '../telemetry/logger.ts';

/** Something that can be stopped: a server, a consumer loop, a client. */
export type Closer = { name: string; close(): Promise<unknown> | unknown };

/**
 * Clean shutdown: on SIGTERM/SIGINT, runs closers in reverse order of registration (stop taking
 * work first, close clients last), each bounded by `timeoutMs`, then exits. A second signal a
 * second or more after the first exits at once.
 *
 * @example const stop = onShutdown(log); stop.add({ name: 'redis', close: () => redis.quit() });
 */
export function onShutdown(
  log: Logger,
  opts: { timeoutMs?: number; exit?: (code: number) => void; now?: () => number } = {},
) {
  const now = opts.now ?? Date.now;
  const closers: Closer[] = [];
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;

  const run = async (signal: string): Promise<void> => {
    log.info({ signal }, 'shutting down');
    let code = 0;
    for (const c of [...closers].reverse()) {
      try {
        await Promise.race([
          Promise.resolve(c.close()),
          new Promise((_, rej) =>
            setTimeout(() => rej(new Error('timeout')), opts.timeoutMs ?? 15_000).unref(),
          ),
        ]);
        log.debug({ closer: c.name }, 'closed');
      } catch (err) {
        code = 1;
        log.error({ closer: c.name, err }, 'close failed');
      }
    }
    log.info('stopped');
    exit(code);
  };

  let firstSignalAt = 0;
  const handler = (signal: string) => {
    if (!stopping) {
      firstSignalAt = now();
      stopping = run(signal);
      return;
    }
    // One Ctrl-C reaches this process twice (from the terminal's process group and from the
    // launcher passing it on): only a second signal a moment later means "stop now".
    if (now() - firstSignalAt >= 1000) exit(130);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    add(c: Closer) {
      closers.push(c);
    },
    /** Triggers the same shutdown programmatically (tests, fatal errors). */
    stop: (reason = 'requested') => {
      if (!stopping) stopping = run(reason);
      return stopping;
    },
  };
}
