import type { LifecycleEvent } from '../domain/events.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { EventEntry } from './apply.ts';

/** A folded event as announced on the live channel: the event plus its stream entry id. */
export type LiveEvent = LifecycleEvent & { id: string };

/**
 * The aggregator's side of the live tail: publishes each applied batch as one JSON array on the
 * `eventsLive` channel, and only while someone is subscribed (checked once a second), so an
 * unwatched platform pays nothing for it.
 *
 * @example const live = publishLive({ redis, channel: keys.eventsLive() }); await live.publish(entries);
 */
export function publishLive(opts: { redis: Redis; channel: string; checkEveryMs?: number }) {
  let listeners = 0;
  let checkedAt = 0;
  const every = opts.checkEveryMs ?? 1000;
  return {
    async publish(entries: readonly EventEntry[]): Promise<void> {
      if (Date.now() - checkedAt > every) {
        checkedAt = Date.now();
        const r = (await opts.redis.pubsub('NUMSUB', opts.channel)) as [string, number | string];
        listeners = Number(r[1]) || 0;
      }
      if (listeners === 0) return;
      const out: LiveEvent[] = [];
      for (const e of entries) if (e.event) out.push({ ...e.event, id: e.streamId });
      if (out.length) await opts.redis.publish(opts.channel, JSON.stringify(out));
    },
    close() {
      listeners = 0;
    },
  };
}

/**
 * Waits until a connection has passed ioredis's ready check: a SUBSCRIBE sent while the check's
 * INFO is in flight puts the connection in subscriber mode and fails the check.
 */
const ready = (redis: Redis): Promise<void> =>
  redis.status === 'ready'
    ? Promise.resolve()
    : new Promise((resolve) => redis.once('ready', () => resolve()));

/**
 * The reading side: one subscriber connection per process fans announced events out to any
 * number of listeners (SSE clients). It subscribes on the first listener and unsubscribes after
 * the last one leaves.
 *
 * @example
 * const tail = createLiveTail({ subscriber, channel: keys.eventsLive() });
 * const off = await tail.listen((e) => console.log(e.state)); off();
 */
export function createLiveTail(opts: { subscriber: Redis; channel: string }) {
  const listeners = new Set<(e: LiveEvent) => void>();
  let subscribed: Promise<unknown> | undefined;
  const onMessage = (channel: string, message: string) => {
    if (channel !== opts.channel) return;
    let events: LiveEvent[];
    try {
      events = JSON.parse(message) as LiveEvent[];
    } catch {
      return;
    }
    for (const e of events) for (const l of listeners) l(e);
  };
  opts.subscriber.on('message', onMessage);
  return {
    /** Adds a listener; resolves once subscribed. The returned function removes it. */
    async listen(fn: (e: LiveEvent) => void): Promise<() => void> {
      listeners.add(fn);
      subscribed ??= ready(opts.subscriber).then(() => opts.subscriber.subscribe(opts.channel));
      await subscribed;
      return () => {
        if (!listeners.delete(fn) || listeners.size > 0) return;
        subscribed = undefined;
        void opts.subscriber.unsubscribe(opts.channel).catch(() => undefined);
      };
    },
    /** Current number of listeners. */
    size: () => listeners.size,
    close() {
      opts.subscriber.off('message', onMessage);
      listeners.clear();
    },
  };
}

export type LiveTail = ReturnType<typeof createLiveTail>;
