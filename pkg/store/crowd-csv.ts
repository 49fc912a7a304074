import { parse } from 'csv-parse/sync';
import { catalog } from '../channels/catalog.ts';
import type { Channel } from '../domain/channels.ts';
import { normalizeReceiver } from '../domain/receivers.ts';

/** One receiver of a crowd file and the variables rendered into its message. */
export type CrowdRow = { receiver: string; variables: Record<string, string> };
/** A problem on one line of the file (1-based, the header is line 1). */
export type LineError = { line: number; message: string };

/** Most rows one file may hold: a bigger crowd is split into several files. */
export const MAX_CROWD_ROWS = 200_000;

/**
 * Parses a crowd CSV: a header row with a `receiver` column (any case); every other column
 * becomes a variable of that name. With `channel`, receivers are also checked (and normalised)
 * for that channel. Returns the good rows and the errors by line; callers decide whether any
 * error rejects the file.
 *
 * @example
 * parseCrowdCsv('receiver,name\na@x.com,Ann\n')
 * // { rows: [{ receiver: 'a@x.com', variables: { name: 'Ann' } }], errors: [] }
 */
export function parseCrowdCsv(
  text: string,
  opts: { channel?: Channel } = {},
): { rows: CrowdRow[]; errors: LineError[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // A stray quote inside an unquoted field (Bob "B" Jr) is text, as spreadsheets write it.
      relax_quotes: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    return { rows: [], errors: [{ line: e.lines ?? 1, message: e.message }] };
  }
  const [head, ...body] = records;
  if (!head) return { rows: [], errors: [{ line: 1, message: 'the file is empty' }] };

  const header = head.record.map((h) => h.trim());
  const receiverAt = header.findIndex((h) => h.toLowerCase() === 'receiver');
  const headerErrors: LineError[] = [];
  if (receiverAt < 0) headerErrors.push({ line: 1, message: 'the header has no "receiver" column' });
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (!/^[A-Za-z_][\w.-]{0,63}$/.test(h)) {
      headerErrors.push({ line: 1, message: `column ${i + 1} "${h.slice(0, 64)}" is not a variable name` });
    } else if (seen.has(h)) headerErrors.push({ line: 1, message: `column "${h}" appears twice` });
    seen.add(h);
  });
  if (headerErrors.length) return { rows: [], errors: headerErrors };
  if (body.length === 0) return { rows: [], errors: [{ line: 2, message: 'the file has no receivers' }] };
  if (body.length > MAX_CROWD_ROWS) {
    return { rows: [], errors: [{ line: MAX_CROWD_ROWS + 2, message: `more than ${MAX_CROWD_ROWS} rows` }] };
  }

  const rows: CrowdRow[] = [];
  const errors: LineError[] = [];
  for (const { record, info } of body) {
    const line = info.lines;
    if (record.length !== header.length) {
      errors.push({ line, message: `expected ${header.length} columns, found ${record.length}` });
      continue;
    }
    const raw: string = record[receiverAt] ?? '';
    const shown = raw.slice(0, 256);
    if (!raw) {
      errors.push({ line, message: 'receiver is empty' });
      continue;
    }
    if (opts.channel && !catalog.isValidReceiver(opts.channel, raw)) {
      errors.push({ line, message: `"${shown}" is not a valid ${opts.channel} receiver` });
      continue;
    }
    const variables: Record<string, string> = {};
    header.forEach((h, i) => {
      if (i !== receiverAt) variables[h] = record[i] ?? '';
    });
    rows.push({ receiver: opts.channel ? normalizeReceiver(opts.channel, raw) : raw, variables });
  }
  return { rows, errors };
}
