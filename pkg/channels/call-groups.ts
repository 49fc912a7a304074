/** One provider call of a batch: which deliveries (indexes) it carries, of which kind. */
export type CallGroup = { idx: number[]; kind: string; alone: boolean };

/**
 * Splits a batch into provider calls, the one rule every batch provider shares: at most `max`
 * receivers per call, a receiver seen twice goes into another call (an answer per receiver must
 * map back to one delivery, and a list naming someone twice reaches them once), receivers of
 * different `kind` never share a call (Tencent: mainland vs international), an `alone` one gets a
 * call of its own (`@all`, an international Yunpian number), and `undefined` (a receiver the
 * provider cannot take) goes into none. Groups come in the order they were opened.
 *
 * @example callGroups(['ann', '@all', 'bob', 'ann', undefined], { max: 1000, alone: (k) => k === '@all' }).map((g) => g.idx)
 * // [[0, 2], [1], [3]]
 */
export function callGroups(
  keys: readonly (string | undefined)[],
  opts: { max: number; alone?: (key: string) => boolean; kind?: (key: string) => string },
): CallGroup[] {
  const groups: (CallGroup & { seen: Set<string> })[] = [];
  keys.forEach((k, i) => {
    if (k === undefined) return;
    const alone = opts.alone?.(k) ?? false;
    const kind = opts.kind?.(k) ?? '';
    let g = alone
      ? undefined
      : groups.find((x) => !x.alone && x.kind === kind && x.idx.length < opts.max && !x.seen.has(k));
    if (!g) {
      g = { idx: [], kind, alone, seen: new Set() };
      groups.push(g);
    }
    g.idx.push(i);
    g.seen.add(k);
  });
  return groups.map(({ idx, kind, alone }) => ({ idx, kind, alone }));
}

/**
 * Runs a batch's calls (one per group of indexes, all at once) and maps each call's outcomes
 * back to the deliveries it carried; a delivery no group took (a receiver the provider cannot
 * take) gets `none`.
 *
 * @example await outcomesOfCalls(3, [[0, 2]], (idx) => sendGroup(idx), invalid) // [o0, invalid, o2]
 */
export async function outcomesOfCalls<O>(
  count: number,
  groups: readonly (readonly number[])[],
  call: (idx: readonly number[]) => Promise<readonly O[]>,
  none: O,
): Promise<O[]> {
  const outcomes: (O | undefined)[] = new Array(count);
  await Promise.all(
    groups.map(async (idx) => {
      const got = await call(idx);
      idx.forEach((i, j) => {
        outcomes[i] = got[j];
      });
    }),
  );
  return Array.from({ length: count }, (_, i) => outcomes[i] ?? none);
}
