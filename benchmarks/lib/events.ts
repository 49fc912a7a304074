import type { Redis } from 'ioredis';
import type { Keys } from '../../pkg/redis/keys.ts';
import { addDays, bucketer } from '../../pkg/stats/buckets.ts';
import { templateStats } from '../../pkg/stats/read.ts';

/** Accept and sent times (ms) of one message, from its lifecycle events. */
type Times = { accepted?: number; sent?: number; tpl: number };

/**
 * Accept→sent latency (ms) of every message accepted in `[from, to)` that reached `sent`, read
 * from the partitions' lifecycle event streams (accept time from the `accepted` event written
 * by ingest, sent time from the `sent` event the handler wrote with its ledger record). Also
 * counts accepted messages that never reached `sent` (`unsent`).
 *
 * @example const { latencies } = await acceptToSent({ redis, keys, partitions: 8, from: t0, to: t1 });
 */
export async function acceptToSent(opts: {
  redis: Redis;
  keys: Keys;
  partitions: number;
  from: number;
  to: number;
  templateId?: number;
}): Promise<{ latencies: number[]; unsent: number }> {
  const times = new Map<string, Times>();
  for (let p = 0; p < opts.partitions; p++) {
    let start = `${opts.from}-0`;
    for (;;) {
      const batch = (await opts.redis.call('XRANGE', opts.keys.events(p), start, '+', 'COUNT', 10_000)) as [
        string,
        string[],
      ][];
      for (const [, flat] of batch) {
        let id = '';
        let st = '';
        let at = 0;
        let tpl = 0;
        for (let i = 0; i < flat.length; i += 2) {
          const k = flat[i];
          if (k === 'id') id = flat[i + 1]!;
          else if (k === 'st') st = flat[i + 1]!;
          else if (k === 'at') at = Number(flat[i + 1]);
          else if (k === 'tpl') tpl = Number(flat[i + 1]);
        }
        if (st !== 'accepted' && st !== 'sent') continue;
        if (opts.templateId !== undefined && tpl !== opts.templateId) continue;
        let t = times.get(id);
        if (!t) {
          t = { tpl };
          times.set(id, t);
        }
        if (st === 'accepted') t.accepted = at;
        else t.sent = at;
      }
      if (batch.length < 10_000) break;
      start = `(${batch[batch.length - 1]![0]}`;
    }
  }
  const latencies: number[] = [];
  let unsent = 0;
  for (const t of times.values()) {
    if (t.accepted === undefined || t.accepted < opts.from || t.accepted >= opts.to) continue;
    if (t.sent === undefined) unsent++;
    else latencies.push(t.sent - t.accepted);
  }
  return { latencies, unsent };
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
