/**
 * What the bus moves: stream entries of flat string fields. The bus never looks inside them.
 */

/** Entry fields, name → value. */
export type Fields = Readonly<Record<string, string>>;

/** One entry handed to a consumer's `handle`. */
export type Entry = Readonly<{
  stream: string;
  /** Stream entry id (`<ms>-<seq>`). */
  id: string;
  fields: Fields;
  /** How many times the group delivered this entry, this delivery included (1 on first read). */
  deliveries: number;
}>;

/**
 * What became of an entry; the consumer applies it and only then acknowledges.
 * - `ack`: done.
 * - `delay`: acknowledge and park `fields` in the stream's delayed set until `dueAt` (ms).
 * - `dead`: acknowledge and append `fields` to the stream's dead-letter stream.
 */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'delay'; dueAt: number; fields: Fields }
  | { kind: 'dead'; fields: Fields };

/**
 * Flat `[name, value, …]` → record (a repeated name keeps its last value).
 *
 * @example fieldsOf(['id', 'm1', 'att', '1']) // { id: 'm1', att: '1' }
 */
export function fieldsOf(flat: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/**
 * Record or flat list → flat `[name, value, …]`, as XADD takes them. Throws on an empty or odd
 * list: XADD needs at least one pair and a stray name would shift every later value.
 *
 * @example flatOf({ id: 'm1' }) // ['id', 'm1']
 */
export function flatOf(fields: Fields | readonly string[]): string[] {
  const flat = Array.isArray(fields)
    ? [...(fields as readonly string[])]
    : Object.entries(fields as Fields).flat();
  if (flat.length === 0 || flat.length % 2 !== 0) {
    throw new Error(`stream entry needs name/value pairs, got ${flat.length} strings`);
  }
  return flat;
}

/**
 * Parses an XREADGROUP/XCLAIM entry list (`[[id, [f, v, …]], …]`) of one stream. Entries whose
 * fields are gone (deleted while pending) come back with `fields: undefined`.
 *
 * @example parseEntries('s', [['1-0', ['a', 'b']]], () => 1) // [{ stream: 's', id: '1-0', … }]
 */
export function parseEntries(
  stream: string,
  raw: unknown,
  deliveriesOf: (id: string) => number,
): Array<{ stream: string; id: string; fields: Record<string, string> | undefined; deliveries: number }> {
  if (!Array.isArray(raw)) return [];
  return raw.map((item) => {
    const [id, flat] = item as [string, unknown[] | null];
    return {
      stream,
      id: String(id),
      fields: Array.isArray(flat) ? fieldsOf(flat) : undefined,
      deliveries: deliveriesOf(String(id)),
    };
  });
}
