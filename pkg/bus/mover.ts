import type { RedisClient } from '../redis/client.ts';
import { moveDue } from './delayed.ts';

export type MoverOptions = Readonly<{
  /** Command connection (not a blocking one). */
  redis: RedisClient;
  /** Streams whose delayed sets to drain; a function is re-read every tick (routes can appear). */
  streams: readonly string[] | (() => readonly string[]);
  delayedKeyOf: (stream: string) => string;
  /** Pause between ticks, ms (default 250). */
  intervalMs?: number;
  /** Members per script call (default 500); a tick repeats calls while full batches come back. */
  batch?: number;
  /** Clock (default Date.now); tests pass their own. */
  now?: () => number;
  onError?: (err: unknown, stream: string) => void;
}>;

export type MoverCounters = { moved: number; dropped: number; ticks: number; errors: number };

/**
 * Runs {@link moveDue} for every stream each tick until stopped. Safe to run in every process:
 * the script is atomic, so movers racing each other move each member once.
 *
 * @example
 * const mover = startMover({ redis, streams: [keys.stream('email.notice')], delayedKeyOf: (s) => s.replace(':d:', ':dl:') });
 * await mover.stop();
 */
export function startMover(opts: MoverOptions): { stop(): Promise<void>; counters(): MoverCounters } {
  const intervalMs = opts.intervalMs ?? 250;
  const batch = opts.batch ?? 500;
  const now = opts.now ?? Date.now;
  const counters: MoverCounters = { moved: 0, dropped: 0, ticks: 0, errors: 0 };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    counters.ticks++;
    const streams = typeof opts.streams === 'function' ? opts.streams() : opts.streams;
    for (const stream of streams) {
      // Bounded drain: a huge due backlog is moved over several ticks, not in one tight loop.
      for (let round = 0; round < 100 && !stopped; round++) {
        try {
          const r = await moveDue(opts.redis, opts.delayedKeyOf(stream), stream, now(), batch);
          counters.moved += r.moved;
          counters.dropped += r.dropped;
          if (r.moved + r.dropped < batch) break;
        } catch (err) {
          counters.errors++;
          opts.onError?.(err, stream);
          break;
        }
      }
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, intervalMs);
  };
  running = tick().finally(schedule);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    counters: () => ({ ...counters }),
  };
}
