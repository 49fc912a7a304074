import type { Channel } from '../domain/channels.ts';
import { AppError } from '../domain/errors.ts';
import { partitionOf } from '../domain/events.ts';
import type { State } from '../domain/states.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { dayRange, hoursOf, isDay } from './buckets.ts';
import { decodeLatest } from './codec.ts';
import type { Counts } from './fold.ts';

/** What the reads need: a command connection, the keys and the partition count. */
export type ReadDeps = { redis: Redis; keys: Keys; partitions: number };

export type { MessageTrace, TimelineItem } from '../lifecycle/trace.ts';

/** One message in a receiver's day listing. */
export type ReceiverMessage = {
  messageId: string;
  templateId: number;
  channel: Channel;
  state: State;
  /** Time of the current state (ISO 8601). */
  at: string;
  reason: string;
  /** When the platform accepted the message (ISO 8601). */
  acceptedAt: string;
};

export type ReceiverMessages = { receiver: string; day: string; items: ReceiverMessage[]; total: number };

export type TemplateStats = {
  templateId: number;
  from: string;
  to: string;
  days: { day: string; counts: Counts }[];
  /** Per hour of the day; only when `from === to`. */
  hours?: { hour: string; counts: Counts }[];
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A message's trace: it lives in the message's ledger record, next to its state (pkg/lifecycle),
 * so reads never depend on the aggregator having folded its events.
 *
 * @example const t = await messageTrace(deps, '01KAQ…'); t?.timeline.map((x) => x.state) // ['accepted', 'sent']
 */
export { readTrace as messageTrace } from '../lifecycle/trace.ts';

/** Most of a receiver's messages of a day that an app's listing looks through (newest first). */
const APP_SCAN = 5000;

/**
 * The messages a receiver was sent on a day (the day each was accepted, in the platform zone),
 * newest first, each with its current state; merged over all partitions. `limit` caps the items
 * (default 200, max 1000); `total` counts all. With `appId`, only messages that app sent are
 * listed and counted (each message's ledger record names its app; of the newest 5,000).
 *
 * @example const r = await receiverMessages(deps, 'a@x.com', '2026-11-23'); r.items[0]?.state // 'sent'
 */
export async function receiverMessages(
  deps: ReadDeps,
  receiver: string,
  day: string,
  opts: { limit?: number; appId?: number } = {},
): Promise<ReceiverMessages> {
  if (!isDay(day))
    throw new AppError('VALIDATION_FAILED', 422, 'day must be a date YYYY-MM-DD', [
      { path: 'day', message: 'expected YYYY-MM-DD' },
    ]);
  const limit = Math.min(1000, Math.max(1, opts.limit ?? 200));
  const { redis, keys } = deps;
  const scan = opts.appId === undefined ? limit : APP_SCAN;
  const parts = Array.from({ length: deps.partitions }, (_, p) => p);
  const listed = await Promise.all(
    parts.map(async (p) => {
      const key = keys.statsReceiver(p, receiver, day);
      const [flat, card] = await Promise.all([
        redis.zrevrange(key, 0, scan - 1, 'WITHSCORES'),
        redis.zcard(key),
      ]);
      const ids: { id: string; score: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) ids.push({ id: flat[i]!, score: Number(flat[i + 1]) });
      return { p, ids, card };
    }),
  );
  let all = listed
    .flatMap((l) => l.ids.map((x) => ({ ...x, p: l.p })))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  let total = listed.reduce((s, l) => s + l.card, 0);
  if (opts.appId !== undefined) {
    const owners = await Promise.all(
      all.map((x) => redis.hget(keys.attempt(partitionOf(x.id, deps.partitions), x.id), 'app')),
    );
    const own = String(opts.appId);
    all = all.filter((_, i) => owners[i] === own);
    total = all.length;
  }
  const top = all.slice(0, limit);
  const states = await Promise.all(
    top.map((x) => redis.hget(keys.statsReceiverState(x.p, receiver, day), x.id)),
  );
  const items: ReceiverMessage[] = [];
  top.forEach((x, i) => {
    const l = decodeLatest(states[i] ?? '');
    if (!l) return;
    items.push({
      messageId: x.id,
      templateId: l.templateId,
      channel: l.channel,
      state: l.state,
      at: iso(l.at),
      reason: l.reason,
      acceptedAt: iso(x.score),
    });
  });
  return { receiver, day, items, total };
}

/**
 * Counts per state of a template per day from `from` to `to` (inclusive, at most 92 days), and
 * per hour when `from === to`, summed over partitions. Every day (and hour) of the range is
 * listed, with empty counts when nothing happened. Throws 422 on a bad range.
 *
 * @example const s = await templateStats(deps, 7, '2026-11-23', '2026-11-23'); s.hours?.length // 24
 */
export async function templateStats(
  deps: ReadDeps,
  templateId: number,
  from: string,
  to: string,
): Promise<TemplateStats> {
  const days = dayRange(from, to);
  const sum = async (bucket: string): Promise<Counts> => {
    const hashes = await Promise.all(
      Array.from({ length: deps.partitions }, (_, p) =>
        deps.redis.hgetall(deps.keys.statsTemplate(p, templateId, bucket)),
      ),
    );
    const counts: Record<string, number> = {};
    for (const h of hashes)
      for (const [state, n] of Object.entries(h)) counts[state] = (counts[state] ?? 0) + Number(n);
    return counts as Counts;
  };
  const out: TemplateStats = {
    templateId,
    from,
    to,
    days: await Promise.all(days.map(async (day) => ({ day, counts: await sum(day) }))),
  };
  if (from === to)
    out.hours = await Promise.all(hoursOf(from).map(async (hour) => ({ hour, counts: await sum(hour) })));
  return out;
}
