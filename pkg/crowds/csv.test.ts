import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Channel } from '../domain/channels.ts';
import { AppError } from '../domain/errors.ts';
import type { CrowdRow } from '../store/crowds.ts';
import { readCrowdCsv } from './csv.ts';
import type { CrowdProblem } from './problems.ts';

const enc = new TextEncoder();
/** A request body arriving in the given pieces. */
async function* body(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? enc.encode(p) : p;
}

async function read(
  parts: (string | Uint8Array)[],
  o: { channel?: Channel; placeholders?: string[]; maxBytes?: number; batchRows?: number } = {},
) {
  const rows: CrowdRow[] = [];
  const problems: CrowdProblem[] = [];
  const batches: number[] = [];
  let columns: string[] = [];
  const totals = await readCrowdCsv(
    body(...parts),
    {
      channel: o.channel ?? 'sandbox',
      placeholders: o.placeholders ?? [],
      maxBytes: o.maxBytes ?? 1 << 20,
      ...(o.batchRows ? { batchRows: o.batchRows } : {}),
    },
    {
      header: (c) => {
        columns = c;
      },
      rows: async (b) => {
        batches.push(b.length);
        // A slow store: the parser must wait for it, and lose nothing meanwhile.
        await new Promise((r) => setImmediate(r));
        rows.push(...b);
      },
      problem: (p) => void problems.push(p),
    },
  );
  return { rows, problems, batches, columns, totals };
}

/** The AppError a read rejects with. */
async function refusal(
  parts: (string | Uint8Array)[],
  o: Parameters<typeof read>[1] = {},
): Promise<AppError> {
  try {
    await read(parts, o);
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return err;
  }
  assert.fail('the file was accepted');
}
const firstProblem = (e: AppError) => (e.details as { errors: CrowdProblem[] }).errors[0]!;

describe('readCrowdCsv (streamed)', () => {
  test('header with a receiver column in any case, BOM, quotes, spaces, blank and CRLF lines; line numbers', async () => {
    const r = await read(['\uFEFFname,Receiver,code\r\n"Ann, Jr.", a@x.com ,1\r\n\r\n', 'Bob,b@x.com,"2"\n']);
    assert.deepEqual(r.columns, ['name', 'code']);
    assert.deepEqual(r.rows, [
      { line: 2, receiver: 'a@x.com', variables: { name: 'Ann, Jr.', code: '1' } },
      { line: 4, receiver: 'b@x.com', variables: { name: 'Bob', code: '2' } },
    ]);
    assert.deepEqual(r.problems, []);
    assert.equal(r.totals.rows, 2);
  });

  test('a quoted value over two lines keeps the line numbers after it right; `;` files', async () => {
    const r = await read(['receiver,note\na,"two\nlines"\nb,x\n']);
    assert.deepEqual(
      r.rows.map((x) => [x.line, x.receiver, x.variables.note]),
      [
        [2, 'a', 'two\nlines'],
        [4, 'b', 'x'],
      ],
    );
    const semi = await read(['receiver;name\nann;Ann, the first\n']);
    assert.deepEqual(semi.rows[0]!.variables, { name: 'Ann, the first' });
  });

  test('bad rows are reported with line, column and message; receivers are normalised for the channel', async () => {
    const csv = 'receiver,name\na@x.com,Ann\nb@x.com\n,Carl\nnot-an-email,Dan\nE@X.COM,Eve\n';
    const r = await read([csv], { channel: 'email' });
    assert.deepEqual(
      r.rows.map((x) => x.receiver),
      ['a@x.com', 'e@x.com'],
    );
    assert.deepEqual(r.problems, [
      { line: 3, column: null, message: 'expected 2 columns, found 1' },
      { line: 4, column: 'receiver', message: 'the receiver is empty' },
      { line: 5, column: 'receiver', message: '"not-an-email" is not a valid email receiver' },
    ]);
    assert.equal(r.totals.problems, 3);
  });

  test('rows come in batches of at most batchRows, every row once, across a slow sink', async () => {
    const lines = Array.from({ length: 2_503 }, (_, i) => `u${i},${i}\n`).join('');
    // Cut mid-line and mid-value: the parser keeps the pieces together.
    const text = `receiver,n\n${lines}`;
    const r = await read([text.slice(0, 777), text.slice(777, 20_001), text.slice(20_001)], {
      batchRows: 1000,
    });
    assert.deepEqual(r.batches, [1000, 1000, 503]);
    assert.equal(new Set(r.rows.map((x) => x.receiver)).size, 2_503);
    assert.deepEqual(r.rows.at(-1), { line: 2_504, receiver: 'u2502', variables: { n: '2502' } });
  });

  test('a UTF-8 character cut between two pieces of the body is one character', async () => {
    const bytes = enc.encode('receiver,name\nann,Zoë 张\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const r = await read([bytes.slice(0, cut), bytes.slice(cut)]);
    assert.equal(r.rows[0]!.variables.name, 'Zoë 张');
  });

  test('the header: a receiver column, variable names, no duplicates, a column per placeholder', async () => {
    assert.match((await refusal(['email,name\na@x.com,A\n'])).message, /no "receiver" column/);
    const bad = await refusal(['receiver,first name\nx,y\n']);
    assert.equal(bad.code, 'CROWD_INVALID');
    assert.deepEqual(firstProblem(bad), {
      line: 1,
      column: 'first name',
      message: 'column 2 is not a variable name (letters, digits, _ . -)',
    });
    assert.match((await refusal(['receiver,a,a\nx,y,z\n'])).message, /appears twice/);
    const missing = await refusal(['receiver,name\nx,y\n'], { placeholders: ['name', 'code', 'shop'] });
    assert.equal(missing.code, 'CROWD_MISSING_COLUMNS');
    assert.equal(missing.status, 422);
    assert.deepEqual(
      (missing.details as { errors: CrowdProblem[] }).errors.map((p) => p.column),
      ['code', 'shop'],
    );
    assert.match(
      missing.message,
      /line 1, column "code": no column for the template's placeholder \{\$code\}/,
    );
  });

  test('empty files, broken quoting, too long rows', async () => {
    for (const empty of [[], [''], ['\n\n  \n'], ['\uFEFF']]) {
      const e = await refusal(empty);
      assert.equal(e.code, 'CROWD_EMPTY');
      assert.deepEqual(firstProblem(e), { line: 1, column: null, message: 'the file is empty' });
    }
    const headOnly = await refusal(['receiver,name\n\n']);
    assert.equal(headOnly.code, 'CROWD_EMPTY');
    assert.equal(firstProblem(headOnly).line, 2);
    const unclosed = await refusal(['receiver,name\na,A\nb,B\nc,"Carl\n']);
    assert.equal(unclosed.code, 'CROWD_INVALID');
    // The line where the open quote is.
    assert.equal(firstProblem(unclosed).line, 4);
    assert.match(unclosed.message, /^crowd file rejected: line 4: Quote Not Closed/);
    const afterQuote = await refusal(['receiver,name\na,"A"x\n']);
    assert.equal(firstProblem(afterQuote).line, 2);
    const long = await refusal([`receiver,name\na,${'x'.repeat(70_000)}\n`]);
    assert.match(long.message, /line 2: Max Record Size/);
  });

  test('not text: NUL bytes, another encoding, UTF-16 — named by line; too large is 413', async () => {
    const nul = await refusal(['receiver,name\na,A\n', new Uint8Array([0x62, 0x2c, 0x00, 0x0a])]);
    assert.equal(nul.code, 'CROWD_NOT_TEXT');
    assert.deepEqual(firstProblem(nul), {
      line: 3,
      column: null,
      message: 'binary data (a NUL byte): upload a CSV text file',
    });
    // "张三" in GBK, as a Chinese Excel saves "CSV" by default.
    const gbk = await refusal(['receiver,name\na,A\nb,', new Uint8Array([0xd5, 0xc5, 0xc8, 0xfd, 0x0a])]);
    assert.equal(gbk.code, 'CROWD_NOT_TEXT');
    assert.equal(firstProblem(gbk).line, 3);
    assert.match(gbk.message, /not UTF-8 text/);
    const utf16 = await refusal([new Uint8Array([0xff, 0xfe, 0x72, 0x00])]);
    assert.match(utf16.message, /UTF-16/);
    const big = await refusal(['receiver,name\n', 'a,A\n'.repeat(400)], { maxBytes: 1024 });
    assert.equal(big.status, 413);
    assert.equal(big.code, 'PAYLOAD_TOO_LARGE');
  });
});
