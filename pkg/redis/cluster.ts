import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from './client.ts';
import { loadLuaFile } from './lua.ts';

// What differs on a Redis Cluster, in one place. A Cluster runs a command only when all its keys
// hash to one slot (CROSSSLOT otherwise), and ioredis sends a pipeline only when all its
// commands go to one node; keyless commands (SCAN, CLIENT) reach one random node.

/**
 * The Cluster hash slot (0…16383) of a key: its `{tag}` when it has one, the whole key otherwise.
 *
 * @example slotOf('push:d:{sms.auth}') === slotOf('push:dl:{sms.auth}') // true
 */
export const slotOf = (key: string): number => calculateSlot(key);

const keyedCommand = loadLuaFile(new URL('./scripts/keyed-command.lua', import.meta.url), 1);

/**
 * Runs a command on the node that holds `key`, for the commands whose key ioredis cannot locate
 * (`XGROUP CREATE <key>`, `XINFO GROUPS <key>`: the key follows a subcommand). A Cluster client
 * sends those to a random node, which answers MOVED. On a Cluster the command runs inside a
 * one-line script declaring `key`, so it is routed and redirected like any keyed command; on one
 * server it is sent as is.
 *
 * @example await keyCommand(redis, stream, ['XGROUP', 'CREATE', stream, 'handlers', '0', 'MKSTREAM']);
 */
export function keyCommand(
  redis: RedisClient,
  key: string,
  command: readonly [string, ...(string | number)[]],
): Promise<unknown> {
  if (!isCluster(redis)) return redis.call(...command);
  return keyedCommand(redis, [key], command);
}

/**
 * A pipeline for commands whose keys may be in different slots (one XADD per route…). On one
 * server it is `redis.pipeline()`, one round trip. On a Cluster, whose pipelines must stay on one
 * node, it queues the calls and on `exec()` sends each as its own command: the Cluster client
 * auto-pipelines them per node, so they still leave in one round trip per node. `exec()`
 * answers `[error, result]` per command in order, like a pipeline (not atomic either way).
 *
 * @example
 * const pipe = pipelineAnySlot(redis);
 * for (const e of entries) pipe.xadd(e.stream, '*', ...e.fields);
 * const results = await pipe.exec();
 */
export function pipelineAnySlot(redis: RedisClient): ChainableCommander {
  if (!isCluster(redis)) return redis.pipeline();
  const queued: Array<[string, unknown[]]> = [];
  const exec = async () =>
    Promise.all(
      queued.map(([name, args]) =>
        (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args).then(
          (result): [Error | null, unknown] => [null, result],
          (err: Error): [Error | null, unknown] => [err, null],
        ),
      ),
    );
  const pipe: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_target, name) {
      if (name === 'exec') return exec;
      if (name === 'length') return queued.length;
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (...args: unknown[]) => {
        queued.push([name, args]);
        return pipe;
      };
    },
  });
  return pipe;
}

/**
 * Every key matching `pattern` (SCAN MATCH), on every master of a Cluster. For tests and
 * operator tools: SCAN walks the whole keyspace.
 *
 * @example const keys = await scanKeys(redis, `${prefix}st:*`);
 */
export async function scanKeys(redis: RedisClient, pattern: string, count = 1000): Promise<string[]> {
  const out: string[] = [];
  for (const node of isCluster(redis) ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      out.push(...found);
    } while (cursor !== '0');
  }
  return out;
}

/** An XREAD/XREADGROUP reply: per stream with entries, its key and raw entries. */
export type StreamsReply = Array<[string, unknown]> | null;

/**
 * How often a Cluster reader polls streams of several slots instead of blocking on them: one
 * XREADGROUP BLOCK can only wait on the streams of one slot.
 */
export const CLUSTER_POLL_MS = 100;

/**
 * `XREADGROUP GROUP … BLOCK blockMs STREAMS <streams> <ids>` over any streams. On one server
 * (or when every stream is in one slot) that is the one blocking call. On a Cluster with streams
 * of several slots it reads each slot's streams without blocking (in parallel, one round trip
 * per node) and, when none had entries, waits `min(blockMs, CLUSTER_POLL_MS)` before answering
 * `null` like a timed-out block: new entries are seen within that much, not at once.
 *
 * @example
 * const reply = await readGroupStreams(blocking, ['GROUP', 'aggregator', 'c1', 'COUNT', 100],
 *   [keys.events(0), keys.events(1)], ['>', '>'], 1000);
 */
export async function readGroupStreams(
  redis: RedisClient,
  head: readonly (string | number)[],
  streams: readonly string[],
  ids: readonly string[],
  blockMs: number,
): Promise<StreamsReply> {
  const read = (s: readonly string[], i: readonly string[], block: (string | number)[]) =>
    redis.call('XREADGROUP', ...head, ...block, 'STREAMS', ...s, ...i) as Promise<StreamsReply>;
  const bySlot = isCluster(redis) ? groupBySlot(streams) : [streams.map((_, i) => i)];
  if (bySlot.length <= 1) return read(streams, ids, ['BLOCK', blockMs]);
  const replies = await Promise.all(
    bySlot.map((idx) =>
      read(
        idx.map((i) => streams[i]!),
        idx.map((i) => ids[i]!),
        [],
      ),
    ),
  );
  const merged = replies.flatMap((r) => r ?? []);
  if (merged.length > 0) return merged;
  await new Promise((r) => setTimeout(r, Math.min(blockMs, CLUSTER_POLL_MS)));
  return null;
}

/** Indexes of `keys` grouped by hash slot, in first-seen order. */
export function groupBySlot(keys: readonly string[]): number[][] {
  const groups = new Map<number, number[]>();
  keys.forEach((k, i) => {
    const slot = slotOf(k);
    const g = groups.get(slot);
    if (g) g.push(i);
    else groups.set(slot, [i]);
  });
  return [...groups.values()];
}
