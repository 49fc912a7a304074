import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL_ROUTES, CHANNELS, matchRoutes, parseRoute, routeOf } from './channels.ts';
import { decodeDelivery, encodeDelivery, fieldsToRecord } from './delivery.ts';
import { AppError } from './errors.ts';
import { decodeEvent, encodeEvent, partitionOf } from './events.ts';
import { idFrom, newId, timeOfId } from './ids.ts';
import { isReceiverOfKinds, normalizeReceiver, type ReceiverKind } from './receivers.ts';
import { contentPlaceholders, renderContent, renderText } from './render.ts';

describe('render', () => {
  test('both placeholder syntaxes', () => {
    assert.equal(renderText('Hi {$name}, code {{ code }}', { name: 'Ann', code: 1234 }), 'Hi Ann, code 1234');
  });
  test('missing variables listed in one error', () => {
    assert.throws(
      () => renderText('{$a} {{b}} {$c}', { b: 1 }),
      (e: unknown) => e instanceof AppError && e.code === 'MISSING_VARIABLES' && /a, c/.test(e.message),
    );
  });
  test('html fields escape variables, text fields do not', () => {
    const out = renderContent({ subject: 'Hi {$n}', html: '<b>{$n}</b>', text: '{$n}' }, { n: '<script>' });
    assert.deepEqual(out, { subject: 'Hi <script>', html: '<b>&lt;script&gt;</b>', text: '<script>' });
  });
  test('nested placeholders are found', () => {
    assert.deepEqual(contentPlaceholders({ a: ['{$x}'], b: { c: '{{y}}' } }).sort(), ['x', 'y']);
  });
});

describe('receivers', () => {
  const cases: [ReceiverKind, string, boolean][] = [
    ['email', 'a.b+c@example.com', true],
    ['email', 'not-an-email', false],
    ['email', 'a@b', false],
    ['phone', '+8613800138000', true],
    ['phone', '13800138000', true],
    ['phone', '+14155550123', true],
    ['phone', '12345', false],
    ['phone', '+0123456789', false],
    ['open_id', 'oABCD1234567890_xyz-abcdefghij', true],
    ['open_id', 'bad id!', false],
    ['url', 'https://hooks.example.com/x', true],
    ['url', 'ftp://x', false],
    ['user_id', '@all', true],
    ['device_token', 'short', false],
    ['any', 'anything at all', true],
    ['any', 'bad\nline', false],
  ];
  for (const [ch, r, ok] of cases)
    test(`${ch} ${JSON.stringify(r)} → ${ok}`, () => assert.equal(isReceiverOfKinds([ch], r), ok));
  test('normalisation', () => {
    assert.equal(normalizeReceiver('email', 'A@X.COM'), 'a@x.com');
    assert.equal(normalizeReceiver('sms', '13800138000'), '+8613800138000');
  });
});

describe('ids, routes, wire formats', () => {
  test('ids sort by time and carry it', () => {
    const a = newId(1_000_000);
    const b = newId(2_000_000);
    assert.equal(a.length, 26);
    assert.ok(a < b);
    assert.equal(timeOfId(b), 2_000_000);
    assert.equal(idFrom(5, Buffer.alloc(16, 7)), idFrom(5, Buffer.alloc(16, 7)));
  });
  test('routes', () => {
    assert.equal(routeOf('sms', 'auth'), 'sms.auth');
    assert.deepEqual(parseRoute('email.notice'), { channel: 'email', messageType: 'notice' });
    assert.equal(parseRoute('email.spam'), undefined);
  });
  test('delivery round trip and malformed entries', () => {
    const d = {
      id: newId(),
      requestId: 'r',
      templateId: 3,
      channel: 'email' as const,
      messageType: 'notice' as const,
      receiver: 'a@x.com',
      variables: { n: 1 },
      bizId: 'b',
      attempt: 2,
      traceparent: '',
      acceptedAt: 5,
      timezone: 'Europe/Paris',
    };
    assert.deepEqual(decodeDelivery('email', 'notice', fieldsToRecord(encodeDelivery(d))), d);
    assert.equal(decodeDelivery('email', 'notice', { id: 'x', tpl: '1', rcv: 'a', vars: '[1]' }), undefined);
    assert.equal(decodeDelivery('email', 'notice', { id: 'x', tpl: 'q', rcv: 'a', vars: '{}' }), undefined);
  });
  test('event round trip and stable partitions', () => {
    const e = {
      messageId: 'm1',
      templateId: 1,
      receiver: 'r',
      channel: 'sms' as const,
      messageType: 'auth' as const,
      state: 'sent' as const,
      at: 9,
      reason: '',
    };
    assert.deepEqual(decodeEvent(fieldsToRecord(encodeEvent(e))), e);
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(newId(), 8)]++;
    for (const c of counts) assert.ok(c > 800 && c < 1200, `uneven partitions ${counts}`);
    assert.equal(partitionOf('abc', 8), partitionOf('abc', 8));
  });
});

describe('matchRoutes', () => {
  test('wildcards on either side, exact routes, union in stable order', () => {
    assert.deepEqual(
      matchRoutes(['*.auth']),
      CHANNELS.map((c) => `${c}.auth`),
    );
    assert.deepEqual(matchRoutes(['sms.notice', 'email.*']), [
      'email.notice',
      'email.marketing',
      'email.auth',
      'sms.notice',
    ]);
    assert.deepEqual(matchRoutes(['*.*']), [...ALL_ROUTES]);
    assert.deepEqual(matchRoutes([' sandbox.auth ', 'sandbox.auth']), ['sandbox.auth']);
  });
  test('malformed or unknown patterns are refused with the pattern named', () => {
    assert.throws(() => matchRoutes(['email']), /"email" is not channel\.type/);
    assert.throws(() => matchRoutes(['fax.notice']), /unknown channel fax/);
    assert.throws(() => matchRoutes(['email.urgent']), /unknown message type urgent/);
    assert.throws(() => matchRoutes(['a.b.c']), /not channel\.type/);
  });
});
