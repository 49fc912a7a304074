/**
 * Coalesces calls made in the same turn of the event loop into one call per group (e.g. one Lua
 * script per hash tag). Handlers settle a whole stream read within one turn and ingest writes a
 * request's deliveries within one, so what was a script call per message becomes one per
 * partition per turn — same atomicity per message, a fraction of the script overhead.
 *
 * @example
 * const begin = tickBatcher({ groupOf: (m) => m.partition, run: (p, ms) => beginMany(p, ms) });
 * const [a, b] = await Promise.all([begin(m1), begin(m2)]); // one run() if m1, m2 share a partition
 */
export function tickBatcher<I, O>(opts: {
  groupOf: (item: I) => string | number;
  /** Runs one group's items; answers one result per item, in order. */
  run: (group: string | number, items: readonly I[]) => Promise<readonly O[]>;
  /** Most items per run (a longer group is split). */
  max?: number;
}): (item: I) => Promise<O> {
  const max = Math.max(1, opts.max ?? 500);
  type Pending = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  let queued = new Map<string | number, Pending[]>();
  let scheduled = false;

  const runChunk = async (group: string | number, chunk: Pending[]): Promise<void> => {
    try {
      const out = await opts.run(
        group,
        chunk.map((p) => p.item),
      );
      if (out.length !== chunk.length) throw new Error(`batch of ${chunk.length} answered ${out.length}`);
      for (const [i, p] of chunk.entries()) p.resolve(out[i] as O);
    } catch (err) {
      for (const p of chunk) p.reject(err);
    }
  };

  const flush = (): void => {
    scheduled = false;
    const groups = queued;
    queued = new Map();
    for (const [group, all] of groups) {
      for (let i = 0; i < all.length; i += max) void runChunk(group, all.slice(i, i + max));
    }
  };

  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      const g = opts.groupOf(item);
      let list = queued.get(g);
      if (!list) {
        list = [];
        queued.set(g, list);
      }
      list.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
