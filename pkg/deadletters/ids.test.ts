import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { replayFields, toDetail } from './entry.ts';
import {
  compareEntryIds,
  comparePositions,
  deadLetterId,
  decodeCursor,
  encodeCursor,
  endAfter,
  parseDeadLetterId,
} from './ids.ts';

describe('dead-letter ids and cursors', () => {
  test('an id is <route>:<entry id>, URL-safe, and parses back; anything else does not parse', () => {
    const ref = { route: 'wechat_miniprogram.auth', entryId: '1764000000000-12' } as const;
    const id = deadLetterId(ref);
    assert.equal(id, 'wechat_miniprogram.auth:1764000000000-12');
    assert.equal(encodeURIComponent(id).replace(/%3A/g, ':'), id, 'nothing to escape but the colon');
    assert.deepEqual(parseDeadLetterId(id), ref);
    for (const bad of [
      '',
      'email.notice',
      'email.notice:',
      'email.notice:17',
      'email.notice:a-1',
      'mail.notice:1-0',
      'email.notice.x:1-0',
      'email.notice:1-0:2',
      ':1-0',
    ])
      assert.equal(parseDeadLetterId(bad), undefined, bad);
  });

  test('cursors round-trip and garbage is refused', () => {
    const ref = { route: 'sms.notice', entryId: '5-1' } as const;
    assert.deepEqual(decodeCursor(encodeCursor(ref)), ref);
    for (const bad of [
      '',
      'not a cursor!',
      Buffer.from('sms.notice:x').toString('base64url'),
      'a'.repeat(400),
    ])
      assert.equal(decodeCursor(bad), undefined, bad);
  });

  test('order: newer first, sequence numbers compared as numbers, equal ids by route order', () => {
    assert.ok(compareEntryIds('5-9', '5-10') < 0, '9 < 10, not by text');
    assert.ok(compareEntryIds('6-0', '5-99') > 0);
    assert.equal(compareEntryIds('7-3', '7-3'), 0);
    const a = { route: 'email.notice', entryId: '5-0' } as const;
    const b = { route: 'sms.notice', entryId: '5-0' } as const;
    const c = { route: 'email.notice', entryId: '4-0' } as const;
    assert.ok(comparePositions(a, b) < 0, 'email routes come before sms on the same id');
    assert.ok(comparePositions(b, c) < 0, 'newer first whatever the route');
    // After position b (sms.notice 5-0), email.notice holds only older ids, webhook the same id too.
    assert.equal(endAfter('email.notice', b), '(5-0');
    assert.equal(endAfter('sms.notice', b), '(5-0');
    assert.equal(endAfter('webhook.notice', b), '5-0');
  });
});

describe('dead-letter entries', () => {
  test('a replay gets attempt 1, no pin and no dead-letter fields; the rest stays as it was', () => {
    const f = {
      id: 'm1',
      tpl: '3',
      att: '5',
      pin: '7',
      tp: 'tp-1',
      app: '2',
      dlq_reason: 'X',
      dlq_message: 'y',
    };
    assert.deepEqual(replayFields(f), ['id', 'm1', 'tpl', '3', 'att', '1', 'tp', 'tp-1', 'app', '2']);
    assert.deepEqual(replayFields({ id: 'm1' }), ['id', 'm1', 'att', '1']);
  });

  test('the full view masks the variables of verification codes, not of other messages', () => {
    const fields = { id: 'm1', tpl: '3', rcv: '+8613800138000', vars: '{"code":"123456","n":1}', att: '2' };
    const auth = toDetail({ route: 'sms.auth', entryId: '1764000000000-0' }, fields);
    assert.deepEqual(auth.variables, { code: '***', n: '***' });
    assert.equal(auth.at, '2025-11-24T16:00:00.000Z');
    assert.equal(auth.attempts, 2);
    const notice = toDetail({ route: 'sms.notice', entryId: '1-0' }, fields);
    assert.deepEqual(notice.variables, { code: '123456', n: 1 });
    assert.deepEqual(toDetail({ route: 'sms.notice', entryId: '1-0' }, { vars: '{bad' }).variables, {});
  });
});
