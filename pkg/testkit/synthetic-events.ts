import type { Channel } from '../domain/channels.ts';
import { fieldsToRecord } from '../domain/delivery.ts';
import { decodeEvent, encodeEvent, type LifecycleEvent, partitionOf } from '../domain/events.ts';
import { idFrom } from '../domain/ids.ts';
import type { State } from '../domain/states.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/**
 * Synthetic lifecycle events shaped like a handler's, for tests and the aggregator benchmark:
 * deliveries with a realistic mix of outcomes covering every state, written to the partitioned
 * event streams exactly as the send path writes them. Only the events: no ledger records, so
 * these messages have no trace (`GET /v1/messages/:id` reads the record, pkg/lifecycle/trace.ts);
 * what the aggregator folds from them (counters, receiver listings) is all they are for.
 */

/** Outcome paths (states in order, with reasons) and their weights in the mix. */
const PATHS: { weight: number; states: [State, string][] }[] = [
  {
    weight: 28,
    states: [
      ['accepted', ''],
      ['sending', ''],
      ['sent', ''],
    ],
  },
  {
    weight: 20,
    states: [
      ['accepted', ''],
      ['sending', ''],
      ['sent', ''],
      ['delivered', 'DELIVRD'],
    ],
  },
  {
    weight: 7,
    states: [
      ['accepted', ''],
      ['sending', ''],
      ['sent', ''],
      ['delivered', ''],
      ['read', ''],
    ],
  },
  {
    weight: 8,
    states: [
      ['accepted', ''],
      ['dedup_content', 'same content within 5m'],
    ],
  },
  {
    weight: 4,
    states: [
      ['accepted', ''],
      ['dedup_frequency', 'over 5/day'],
    ],
  },
  {
    weight: 6,
    states: [
      ['accepted', ''],
      ['sending', ''],
      ['retrying', 'smtp 451'],
      ['sending', ''],
      ['retrying', 'smtp 451'],
      ['sending', ''],
      ['failed', 'smtp 550 mailbox unavailable'],
      ['dead_lettered', 'attempts exhausted'],
    ],
  },
  {
    weight: 4,
    states: [
      ['accepted', ''],
      ['throttled', 'account rate'],
      ['sending', ''],
      ['sent', ''],
    ],
  },
  {
    weight: 3,
    states: [
      ['accepted', ''],
      ['discarded', 'template switched off'],
    ],
  },
  {
    weight: 3,
    states: [
      ['accepted', ''],
      ['blocked_whitelist', 'not on whitelist'],
    ],
  },
  {
    weight: 3,
    states: [
      ['accepted', ''],
      ['shield_dropped', 'night shield'],
    ],
  },
  {
    weight: 4,
    states: [
      ['accepted', ''],
      ['shield_delayed', 'until 09:00'],
      ['sending', ''],
      ['sent', ''],
    ],
  },
  {
    weight: 4,
    states: [
      ['scheduled', 'sendAt'],
      ['accepted', ''],
      ['sending', ''],
      ['sent', ''],
    ],
  },
  {
    weight: 3,
    states: [
      ['accepted', ''],
      ['cancelled', 'recall before send'],
    ],
  },
  {
    weight: 3,
    states: [
      ['accepted', ''],
      ['sending', ''],
      ['sent', ''],
      ['recalled', 'by request'],
    ],
  },
];
const TOTAL_WEIGHT = PATHS.reduce((s, p) => s + p.weight, 0);
const pickPath = (x: number) => {
  let rest = x;
  for (const p of PATHS) {
    rest -= p.weight;
    if (rest < 0) return p;
  }
  return PATHS[0]!;
};
const CHANNELS: Channel[] = ['email', 'sms', 'sandbox', 'wecom_robot'];

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same data set.
 *
 * @example const r = rng(1); r() // 0 <= x < 1, same sequence every run
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SyntheticOptions = {
  /** Number of deliveries (messages). */
  count: number;
  /** Acceptance times are spread uniformly over [startMs, startMs + spanMs). */
  startMs: number;
  spanMs: number;
  templates?: number;
  receivers?: number;
  seed?: number;
};

/**
 * Deliveries with their lifecycle events (per message, in time order, strictly increasing times).
 *
 * @example const msgs = syntheticMessages({ count: 100, startMs: Date.now(), spanMs: 3_600_000 });
 */
export function syntheticMessages(opts: SyntheticOptions): LifecycleEvent[][] {
  const rand = rng(opts.seed ?? 42);
  const templates = opts.templates ?? 5;
  const receivers = opts.receivers ?? Math.max(1, Math.floor(opts.count / 10));
  const out: LifecycleEvent[][] = [];
  for (let i = 0; i < opts.count; i++) {
    const accepted = opts.startMs + Math.floor(rand() * opts.spanMs);
    const bytes = Uint8Array.from({ length: 16 }, () => Math.floor(rand() * 256));
    const messageId = idFrom(accepted, bytes);
    const path = pickPath(rand() * TOTAL_WEIGHT);
    const templateId = 1 + Math.floor(rand() * templates);
    const receiver = `user${Math.floor(rand() * receivers)}@example.com`;
    const channel = CHANNELS[templateId % CHANNELS.length]!;
    let at = accepted;
    out.push(
      path.states.map(([state, reason], k) => {
        if (k > 0) at += 1 + Math.floor(rand() * 4000);
        return { messageId, templateId, receiver, channel, messageType: 'notice', state, at, reason };
      }),
    );
  }
  return out;
}

/**
 * One write order for all events: roughly by time, messages interleaved, each message's own
 * events kept in order (as one handler emits them), with some jitter so stream order and time
 * order differ between messages.
 *
 * @example await writeEvents(redis, keys, 8, interleave(syntheticMessages({ count: 10, startMs, spanMs })));
 */
export function interleave(messages: readonly LifecycleEvent[][], seed = 7): LifecycleEvent[] {
  const rand = rng(seed);
  const keyed: { k: number; e: LifecycleEvent }[] = [];
  for (const events of messages) {
    let k = 0;
    for (const e of events) {
      k = Math.max(k, e.at + Math.floor(rand() * 3000));
      keyed.push({ k, e });
    }
  }
  return keyed.sort((a, b) => a.k - b.k).map((x) => x.e);
}

/**
 * XADDs events to their partitions' streams (what the send path does), pipelined in batches.
 *
 * @example await writeEvents(redis, keys, 8, interleave(syntheticMessages({ … })));
 */
export async function writeEvents(
  redis: Redis,
  keys: Keys,
  partitions: number,
  events: readonly LifecycleEvent[],
  batch = 1000,
): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    const pipe = redis.pipeline();
    for (const e of events.slice(i, i + batch))
      pipe.xadd(keys.events(partitionOf(e.messageId, partitions)), '*', ...encodeEvent(e));
    const res = await pipe.exec();
    const failed = res?.find(([err]) => err);
    if (failed) throw failed[0];
  }
}

/**
 * Every event in the partition streams, per partition in stream order.
 *
 * @example const all = (await readEventStreams(redis, keys, 8)).flat();
 */
export async function readEventStreams(
  redis: Redis,
  keys: Keys,
  partitions: number,
): Promise<{ streamId: string; event: LifecycleEvent }[][]> {
  const out: { streamId: string; event: LifecycleEvent }[][] = [];
  for (let p = 0; p < partitions; p++) {
    const list: { streamId: string; event: LifecycleEvent }[] = [];
    let start = '-';
    for (;;) {
      const page = await redis.xrange(keys.events(p), start, '+', 'COUNT', 5000);
      for (const [streamId, fields] of page) {
        const event = decodeEvent(fieldsToRecord(fields));
        if (event) list.push({ streamId, event });
      }
      if (page.length < 5000) break;
      start = `(${page[page.length - 1]![0]}`;
    }
    out.push(list);
  }
  return out;
}
