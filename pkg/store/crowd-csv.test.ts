import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCrowdCsv } from './crowd-csv.ts';

describe('parseCrowdCsv', () => {
  test('header row: receiver column and variables, BOM, quotes, blank lines', () => {
    const csv = '\uFEFFname,Receiver,code\n"Ann, Jr.",a@x.com,1\n\nBob,b@x.com,"2"\n';
    assert.deepEqual(parseCrowdCsv(csv), {
      rows: [
        { receiver: 'a@x.com', variables: { name: 'Ann, Jr.', code: '1' } },
        { receiver: 'b@x.com', variables: { name: 'Bob', code: '2' } },
      ],
      errors: [],
    });
  });

  test('line errors: column count, empty receiver, invalid receiver for the channel', () => {
    const csv = 'receiver,name\na@x.com,Ann\nb@x.com\n,Carl\nnot-an-email,Dan\nE@X.COM,Eve\n';
    const r = parseCrowdCsv(csv, { channel: 'email' });
    assert.deepEqual(r.rows, [
      { receiver: 'a@x.com', variables: { name: 'Ann' } },
      { receiver: 'e@x.com', variables: { name: 'Eve' } },
    ]);
    assert.deepEqual(
      r.errors.map((e) => e.line),
      [3, 4, 5],
    );
    assert.match(r.errors[0]!.message, /expected 2 columns, found 1/);
    assert.match(r.errors[1]!.message, /receiver is empty/);
    assert.match(r.errors[2]!.message, /not a valid email receiver/);
  });

  test('structural problems reject the file', () => {
    assert.deepEqual(parseCrowdCsv('').errors, [{ line: 1, message: 'the file is empty' }]);
    assert.match(parseCrowdCsv('email,name\na@x.com,A\n').errors[0]!.message, /no "receiver" column/);
    assert.match(parseCrowdCsv('receiver,first name\nx,y\n').errors[0]!.message, /not a variable name/);
    assert.match(parseCrowdCsv('receiver,a,a\nx,y,z\n').errors[0]!.message, /appears twice/);
    assert.match(parseCrowdCsv('receiver\n').errors[0]!.message, /no receivers/);
    const unclosed = parseCrowdCsv('receiver,name\na@x.com,"Ann\n');
    assert.equal(unclosed.rows.length, 0);
    assert.match(unclosed.errors[0]!.message, /Quote Not Closed/);
  });
});
