import assert from 'node:assert/strict';
import { test } from 'node:test';
import nodemailer from 'nodemailer';
import { addresses, decodeQuotedPrintable, decodeWords, parseMail } from './mime.ts';

const build = async (mail: nodemailer.SendMailOptions, textEncoding?: 'base64' | 'quoted-printable') => {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await t.sendMail({ ...mail, ...(textEncoding ? { textEncoding } : {}) });
  return info.message as Buffer;
};

test('reads what nodemailer writes: encoded subject, QP and base64 bodies, long lines', async () => {
  const long = `Hello 你好 ${'é'.repeat(200)} end`;
  for (const enc of [undefined, 'base64', 'quoted-printable'] as const) {
    const raw = await build(
      {
        from: 'a@x.com',
        to: '"Ann, B" <ann@x.com>',
        subject: `Grüße — ${'long subject '.repeat(8)}`,
        text: `${long}\nline 2`,
        html: `<p>${long}</p>`,
        messageId: '<m1@pushline>',
        headers: { 'X-Push-Message-Id': 'm1' },
      },
      enc,
    );
    const m = parseMail(raw);
    assert.equal(m.subject, `Grüße — ${'long subject '.repeat(8)}`, String(enc));
    assert.equal(m.text, `${long}\nline 2`, String(enc));
    assert.equal(m.html, `<p>${long}</p>`, String(enc));
    assert.equal(m.messageId, '<m1@pushline>');
    assert.equal(m.headers.get('x-push-message-id'), 'm1');
    assert.deepEqual(m.to, ['ann@x.com']);
  }
});

test('a text-only mail has no html', async () => {
  const m = parseMail(await build({ from: 'a@x.com', to: 'b@x.com', subject: 'plain', text: 'just text' }));
  assert.equal(m.text, 'just text');
  assert.equal(m.html, undefined);
});

test('decoders', () => {
  assert.equal(decodeWords('=?UTF-8?Q?Hello_=E4=BD=A0?= =?UTF-8?B?5aW9?='), 'Hello 你好');
  assert.equal(decodeQuotedPrintable('a=3Db=\r\nc').toString(), 'a=bc');
  assert.deepEqual(addresses('"Doe, J" <j@x.com>, k@y.com'), ['j@x.com', 'k@y.com']);
});
