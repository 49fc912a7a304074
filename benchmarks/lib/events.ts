import type { Redis } from 'ioredis';
import type { Keys } from '../../pkg/redis/keys.ts';
import { addDays, bucketer } from '../../pkg/stats/buckets.ts';
import { messageTrace, type ReadDeps, templateStats } from '../../pkg/stats/read.ts';

/** Accept→sent of one message from its trace; `undefined` while it has not reached `sent`. */
async function acceptToSentOf(deps: ReadDeps, id: string): Promise<number | undefined> {
  const t = await messageTrace(deps, id);
  const accepted = t?.timeline.find((x) => x.state === 'accepted');
  const sent = t?.timeline.find((x) => x.state === 'sent');
  if (!accepted || !sent) return undefined;
  return Date.parse(sent.at) - Date.parse(accepted.at);
}

/**
 * Accept→sent latency (ms) of each of `messageIds` that reached `sent`, read from the message's
 * trace (the platform's own read behind `GET /v1/messages/:id`, so the benchmark follows the
 * platform wherever it keeps timelines): accept time from the `accepted` state written by
 * ingest, sent time from the `sent` state the handler recorded. Messages without `sent` yet are
 * read again until none is missing or none arrived for `settleMs` (the timeline may be written
 * after the acknowledgement, e.g. by a folding aggregator); those left count as `unsent`.
 *
 * @example const { latencies, unsent } = await acceptToSent({ redis, keys, partitions: 8, messageIds });
 */
export async function acceptToSent(opts: {
  redis: Redis;
  keys: Keys;
  partitions: number;
  messageIds: readonly string[];
  settleMs?: number;
}): Promise<{ latencies: number[]; unsent: number }> {
  const deps: ReadDeps = { redis: opts.redis, keys: opts.keys, partitions: opts.partitions };
  const settleMs = opts.settleMs ?? 5000;
  const latencies: number[] = [];
  let missing = [...new Set(opts.messageIds)];
  let progressAt = Date.now();
  const hardEnd = Date.now() + 120_000;
  for (;;) {
    const still: string[] = [];
    for (let i = 0; i < missing.length; i += 1000) {
      const chunk = missing.slice(i, i + 1000);
      const got = await Promise.all(chunk.map((id) => acceptToSentOf(deps, id)));
      got.forEach((ms, j) => {
        if (ms === undefined) still.push(chunk[j]!);
        else latencies.push(ms);
      });
    }
    if (still.length < missing.length) progressAt = Date.now();
    missing = still;
    if (missing.length === 0 || Date.now() - progressAt > settleMs || Date.now() > hardEnd) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { latencies, unsent: missing.length };
}

/**
 * The message ids of a `202` answer of `POST /v1/send` (one per receiver); none for others.
 *
 * @example const ids = acceptedIds(res.text);
 */
export function acceptedIds(text: string): string[] {
  try {
    const v = JSON.parse(text) as { messageIds?: unknown };
    return Array.isArray(v.messageIds) ? v.messageIds.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * How many deliveries of a template the aggregator has folded into `state` (today and yesterday
 * in the platform zone, summed over partitions): the traced, counted outcome.
 *
 * @example const sent = await foldedCount({ redis, keys, partitions: 8, templateId: 1, state: 'sent' });
 */
export async function foldedCount(opts: {
  redis: Redis;
  keys: Keys;
  partitions: number;
  templateId: number;
  state: string;
  timezone?: string;
}): Promise<number> {
  const today = bucketer(opts.timezone ?? 'Asia/Shanghai')(Date.now()).day;
  const s = await templateStats(
    { redis: opts.redis, keys: opts.keys, partitions: opts.partitions },
    opts.templateId,
    addDays(today, -1),
    today,
  );
  return s.days.reduce((n, d) => n + Number((d.counts as Record<string, number>)[opts.state] ?? 0), 0);
}

/**
 * Entries a consumer group has acknowledged on a stream (entries-read − pending), from XINFO.
 *
 * @example const done = await ackedCount(redis, keys.stream('sandbox.notice'), 'handlers');
 */
export async function ackedCount(redis: Redis, stream: string, group: string): Promise<number> {
  try {
    const groups = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
    for (const g of groups) {
      const f: Record<string, unknown> = {};
      for (let i = 0; i + 1 < g.length; i += 2) f[String(g[i])] = g[i + 1];
      if (f['name'] === group) return Number(f['entries-read'] ?? 0) - Number(f['pending'] ?? 0);
    }
  } catch {
    // no stream yet
  }
  return 0;
}

/**
 * Deliveries of a stream not yet acknowledged by the group (never read + pending).
 *
 * @example const backlog = await backlogOf(redis, keys.stream('sandbox.notice'), 'handlers');
 */
export async function backlogOf(redis: Redis, stream: string, group: string): Promise<number> {
  try {
    const groups = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
    for (const g of groups) {
      const f: Record<string, unknown> = {};
      for (let i = 0; i + 1 < g.length; i += 2) f[String(g[i])] = g[i + 1];
      if (f['name'] === group) {
        const lag = f['lag'] === null || f['lag'] === undefined ? await redis.xlen(stream) : Number(f['lag']);
        return lag + Number(f['pending'] ?? 0);
      }
    }
    return await redis.xlen(stream);
  } catch {
    return 0;
  }
}
