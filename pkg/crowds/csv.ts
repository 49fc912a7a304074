import { type CsvError, parse } from 'csv-parse';
import { catalog } from '../channels/catalog.ts';
import type { Channel } from '../domain/channels.ts';
import { normalizeReceiver } from '../domain/receivers.ts';
import type { CrowdRow } from '../store/crowds.ts';
import { type CrowdProblem, fileRejected } from './problems.ts';
import { crowdText, type TextMeter } from './text.ts';

/** Where a crowd file's parsed content goes, batch by batch (each awaited: that is the backpressure). */
export type CrowdSink = {
  /** The variable columns (every column but the receiver's), once, before any row. */
  header(columns: string[]): Promise<void> | void;
  rows(rows: CrowdRow[]): Promise<void>;
  /** A row that was left out, and why. */
  problem(p: CrowdProblem): void;
};

export type CrowdCsvOptions = {
  /** Receivers are checked and normalised for this channel. */
  channel: Channel;
  /** Placeholders of the template: the header needs a column for each. */
  placeholders: readonly string[];
  maxBytes: number;
  /** Rows per `sink.rows` call (default 1000). */
  batchRows?: number;
};

/** Longest record, in characters: a row is a receiver and its variables, not a document. */
const MAX_RECORD = 64 * 1024;
const NAME = /^[A-Za-z_][\w.-]{0,63}$/;
const DELIMITERS = [',', ';', '\t'] as const;

/** The delimiter of a file: the one its header line uses most (Excel writes `;` in some locales). */
function delimiterOf(firstLine: string): string {
  let best: string = ',';
  let most = 0;
  for (const d of DELIMITERS) {
    const n = firstLine.split(d).length - 1;
    if (n > most) [best, most] = [d, n];
  }
  return best;
}

/** The header's checks: a receiver column, variable names, no duplicates, every placeholder. */
function readHeader(fields: string[], placeholders: readonly string[]) {
  const problems: CrowdProblem[] = [];
  const receiverAt = fields.findIndex((h) => h.toLowerCase() === 'receiver');
  if (receiverAt < 0) {
    problems.push({
      line: 1,
      column: null,
      message: 'the header has no "receiver" column (first line e.g. receiver,name)',
    });
  }
  const seen = new Set<string>();
  fields.forEach((h, i) => {
    if (!NAME.test(h)) {
      problems.push({
        line: 1,
        column: h.slice(0, 64),
        message: `column ${i + 1} is not a variable name (letters, digits, _ . -)`,
      });
    } else if (seen.has(h)) problems.push({ line: 1, column: h, message: 'the column appears twice' });
    seen.add(h);
  });
  if (problems.length) throw fileRejected('CROWD_INVALID', problems);
  const columns = fields.filter((_, i) => i !== receiverAt);
  const missing = placeholders.filter((p) => !columns.includes(p));
  if (missing.length) {
    throw fileRejected(
      'CROWD_MISSING_COLUMNS',
      missing.map((p) => ({
        line: 1,
        column: p,
        message: `no column for the template's placeholder {$${p}}`,
      })),
    );
  }
  return { receiverAt, receiverName: fields[receiverAt]!, columns, width: fields.length };
}

const embeddedNewlines = (fields: readonly string[]): number => {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) n++;
  return n;
};

/**
 * Reads a crowd CSV as it streams in, never holding more than a batch: bytes are checked and
 * decoded (see {@link crowdText}), parsed by csv-parse's streaming parser, the header checked
 * against the template (a `receiver` column, one column per placeholder), each row's receiver
 * checked and normalised for the channel. Good rows go to `sink.rows` in batches, bad ones to
 * `sink.problem` with their line. Throws the file's 4xx for what rejects it whole: too large
 * (413), not text, broken quoting, a bad header, no rows.
 *
 * @example
 * const totals = await readCrowdCsv(req.body, { channel: 'email', placeholders: ['name'], maxBytes: 100 << 20 },
 *   { header: (cols) => {}, rows: async (rows) => save(rows), problem: (p) => problems.push(p) });
 */
export async function readCrowdCsv(
  body: AsyncIterable<Uint8Array>,
  opts: CrowdCsvOptions,
  sink: CrowdSink,
): Promise<{ rows: number; problems: number; bytes: number }> {
  const meter: TextMeter = { bytes: 0, lines: 0 };
  const text = crowdText(body, { maxBytes: opts.maxBytes, meter })[Symbol.asyncIterator]();
  let head = '';
  let ended = false;
  while (!head.includes('\n') && head.length < MAX_RECORD) {
    const n = await text.next();
    if (n.done) {
      ended = true;
      break;
    }
    head += n.value;
  }
  if (head.trim() === '' && ended)
    throw fileRejected('CROWD_EMPTY', [{ line: 1, column: null, message: 'the file is empty' }]);

  const parser = parse({
    delimiter: delimiterOf(head.split('\n', 1)[0]!),
    bom: true,
    // Spaces around values and quotes are not data (hand-edited files: "a@x.com, Ann").
    trim: true,
    relax_column_count: true,
    // A stray quote inside an unquoted field (Bob "B" Jr) is text, as spreadsheets write it.
    relax_quotes: true,
    max_record_size: MAX_RECORD,
  });
  const batchRows = opts.batchRows ?? 1000;
  let header: ReturnType<typeof readHeader> | undefined;
  let line = 1;
  let rows = 0;
  let problems = 0;
  let dataLines = 0;
  let batch: CrowdRow[] = [];
  const problem = (p: CrowdProblem) => {
    problems++;
    sink.problem(p);
  };

  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      parser.destroy();
      reject(err);
    };

    const onRecord = (rec: string[]) => {
      const at = line;
      line += 1 + embeddedNewlines(rec);
      if (rec.every((f) => f === '')) return; // a blank line
      if (!header) {
        header = readHeader(rec, opts.placeholders);
        parser.pause();
        Promise.resolve(sink.header(header.columns)).then(() => parser.resume(), fail);
        return;
      }
      dataLines++;
      if (rec.length !== header.width) {
        problem({ line: at, column: null, message: `expected ${header.width} columns, found ${rec.length}` });
        return;
      }
      const raw = rec[header.receiverAt]!;
      if (!raw) return problem({ line: at, column: header.receiverName, message: 'the receiver is empty' });
      const shown = raw.slice(0, 256);
      if (!catalog.isValidReceiver(opts.channel, raw)) {
        return problem({
          line: at,
          column: header.receiverName,
          message: `"${shown}" is not a valid ${opts.channel} receiver`,
        });
      }
      const variables: Record<string, string> = {};
      for (let i = 0; i < rec.length; i++)
        if (i !== header.receiverAt) variables[header.columns[i < header.receiverAt ? i : i - 1]!] = rec[i]!;
      batch.push({ line: at, receiver: normalizeReceiver(opts.channel, raw), variables });
      rows++;
      if (batch.length >= batchRows) {
        const full = batch;
        batch = [];
        parser.pause();
        sink.rows(full).then(() => parser.resume(), fail);
      }
    };

    parser.on('data', (rec: string[]) => {
      if (failed) return;
      try {
        onRecord(rec);
      } catch (err) {
        fail(err);
      }
    });
    parser.on('error', (err: CsvError) => {
      const at = typeof err.lines === 'number' ? err.lines : line;
      fail(
        fileRejected('CROWD_INVALID', [
          { line: at, column: null, message: err.message.replace(/ at line \d+$/, '') },
        ]),
      );
    });
    parser.on('end', () => {
      if (failed) return;
      if (!header)
        return fail(fileRejected('CROWD_EMPTY', [{ line: 1, column: null, message: 'the file is empty' }]));
      if (dataLines === 0) {
        return fail(
          fileRejected('CROWD_EMPTY', [
            { line: 2, column: null, message: 'the file has no rows under its header' },
          ]),
        );
      }
      const last = batch;
      batch = [];
      (last.length ? sink.rows(last) : Promise.resolve()).then(
        () => resolve({ rows, problems, bytes: meter.bytes }),
        fail,
      );
    });

    (async () => {
      const write = async (s: string) => {
        // 'close' too: a parser destroyed by a failure never drains.
        if (parser.write(s)) return;
        await new Promise<void>((r) => {
          const done = () => {
            parser.off('drain', done).off('close', done);
            r();
          };
          parser.on('drain', done).on('close', done);
        });
      };
      if (head) await write(head);
      while (!ended && !failed) {
        const n = await text.next();
        if (n.done) break;
        if (!failed) await write(n.value);
      }
      if (!failed) parser.end();
    })().catch(fail);
  });
}
