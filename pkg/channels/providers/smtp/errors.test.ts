import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifySmtpError } from './errors.ts';

test('SMTP 4xx replies are retryable with the reply code', () => {
  for (const code of [421, 450, 451, 452]) {
    const o = classifySmtpError({ code: 'EMESSAGE', responseCode: code, response: `${code} later` });
    assert.equal(o.retryable, true, String(code));
    assert.equal(o.code, `SMTP_${code}`);
    assert.equal(o.message, `${code} later`);
  }
});

test('SMTP 5xx replies are permanent, auth failures included', () => {
  for (const code of [535, 550, 553, 554]) {
    const o = classifySmtpError({ code: 'EENVELOPE', responseCode: code, response: `${code} no` });
    assert.equal(o.retryable, false, String(code));
    assert.equal(o.code, `SMTP_${code}`);
  }
});

test('errors without a reply (refused, reset, timeout, closed pool) are retryable SMTP_CONN', () => {
  for (const err of [
    { code: 'ECONNECTION', message: 'connect ECONNREFUSED' },
    { code: 'ETIMEDOUT', message: 'Greeting never received' },
    { code: 'ESOCKET', message: 'read ECONNRESET' },
    { message: 'Connection pool was closed' },
    {},
  ]) {
    const o = classifySmtpError(err);
    assert.equal(o.code, 'SMTP_CONN');
    assert.equal(o.retryable, true);
  }
});

test('client-side message errors are permanent SMTP_MESSAGE', () => {
  const o = classifySmtpError({ code: 'EENVELOPE', message: 'No recipients defined' });
  assert.deepEqual(o, {
    ok: false,
    retryable: false,
    code: 'SMTP_MESSAGE',
    message: 'No recipients defined',
  });
});

test('throttling replies are marked rateLimited; greylisting is not', () => {
  assert.equal(classifySmtpError({ responseCode: 421, response: '421 closing' }).rateLimited, true);
  assert.equal(
    classifySmtpError({ responseCode: 450, response: '450 4.7.1 too many messages' }).rateLimited,
    true,
  );
  assert.equal(
    classifySmtpError({ responseCode: 451, response: '451 greylisted, try again later' }).rateLimited,
    undefined,
  );
  assert.equal(classifySmtpError({ responseCode: 550, response: '550 rate limit' }).rateLimited, undefined);
});

test('long server answers are shortened', () => {
  const o = classifySmtpError({ responseCode: 550, response: `550 ${'x'.repeat(1000)}` });
  assert.ok(o.message.length <= 300);
});
