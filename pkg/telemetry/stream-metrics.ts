/**
 * Consumer-group backlog and dead letters of Redis streams, read on scrape for the stream gauges
 * (`push_stream_lag`, `push_stream_pending`, `push_dead_letters`; pkg/telemetry/metrics.ts).
 * Structural Redis types, so this folder stays below pkg/redis.
 */

/** One consumer group of one stream; `stream` is the key without the key prefix. */
export type GroupBacklog = Readonly<{ stream: string; group: string; lag: number; pending: number }>;

/** What one scrape reports. */
export type StreamSnapshot = Readonly<{
  groups: readonly GroupBacklog[];
  deadLetters: readonly Readonly<{ stream: string; length: number }>[];
}>;

/**
 * The Redis reads needed: `XINFO GROUPS` of a key (routed by that key, which a Cluster client
 * cannot do for a subcommand by itself: see pkg/redis/cluster.ts `keyCommand`) and `XLEN`.
 */
export type StreamReader = Readonly<{
  xinfoGroups(key: string): Promise<unknown>;
  xlen(key: string): Promise<number>;
}>;

const record = (flat: readonly unknown[]): Record<string, unknown> => {
  const r: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) r[String(flat[i])] = flat[i + 1];
  return r;
};

async function groupsOf(redis: StreamReader, key: string): Promise<Record<string, unknown>[]> {
  try {
    return ((await redis.xinfoGroups(key)) as unknown[][]).map(record);
  } catch (err) {
    if (/no such key/i.test(String((err as Error)?.message))) return [];
    throw err;
  }
}

/**
 * Reads every consumer group of `streams` (XINFO GROUPS: `lag`, `pending`; when Redis cannot
 * tell the lag, after deletions inside the backlog, the stream's length stands for it) and the
 * length of every dead-letter stream (0 when missing). A missing stream reports no group.
 * Labels drop `prefix`.
 *
 * @example
 * const read = readStreams({ redis, prefix: 'push:', streams: () => ['push:d:{email.notice}'], deadLetters: () => [] });
 * (await read()).groups // [{ stream: 'd:{email.notice}', group: 'handlers', lag: 0, pending: 2 }]
 */
export function readStreams(opts: {
  redis: StreamReader;
  prefix: string;
  streams: () => readonly string[];
  deadLetters: () => readonly string[];
}): () => Promise<StreamSnapshot> {
  const label = (key: string) => (key.startsWith(opts.prefix) ? key.slice(opts.prefix.length) : key);
  return async () => {
    const [groups, deadLetters] = await Promise.all([
      Promise.all(
        opts.streams().map(async (key) => {
          const gs = await groupsOf(opts.redis, key);
          const anyUnknown = gs.some((g) => g.lag === null || g.lag === undefined);
          const len = anyUnknown ? await opts.redis.xlen(key) : 0;
          return gs.map((g) => ({
            stream: label(key),
            group: String(g.name),
            lag: g.lag === null || g.lag === undefined ? len : Number(g.lag),
            pending: Number(g.pending) || 0,
          }));
        }),
      ),
      Promise.all(
        opts.deadLetters().map(async (key) => ({ stream: label(key), length: await opts.redis.xlen(key) })),
      ),
    ]);
    return { groups: groups.flat(), deadLetters };
  };
}

/**
 * One snapshot shared by the gauges of one scrape: calls made within `ms` of a read share it.
 *
 * @example const snap = snapshotOnce(read); await Promise.all([snap(), snap()]); // one read
 */
export function snapshotOnce<T>(read: () => Promise<T>, ms = 100): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ms) {
      const value = read();
      const entry = { at: Date.now(), value };
      last = entry;
      // A failed read is not kept: the next scrape tries again.
      value.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.value;
  };
}
