import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import type { Template } from '../domain/template.ts';
import { fanOut } from './fanout.ts';

const tpl: Template = {
  id: 7,
  name: 'w',
  channel: 'email',
  messageType: 'notice',
  accountId: 1,
  content: { subject: 'Hi {$name}', text: 'x' },
  status: 'active',
  shield: 'none',
  timezone: null,
  appId: 1,
  sharedWithApps: [],
  version: 1,
  sensitive: 'none',
  updatedAt: 0,
};

test('one delivery per receiver, in order, normalised', () => {
  const { deliveries, requestId } = fanOut(
    tpl,
    {
      templateId: 7,
      messages: [
        { receivers: ['A@x.com', 'b@x.com'], variables: { name: 'A' }, bizId: 'o1' },
        { receivers: ['c@x.com'], variables: { name: 'C' } },
      ],
    },
    { now: 1000, traceparent: '' },
  );
  assert.deepEqual(
    deliveries.map((d) => d.receiver),
    // An address goes to the provider as the caller wrote it (listings compare its normal form).
    ['A@x.com', 'b@x.com', 'c@x.com'],
  );
  assert.equal(new Set(deliveries.map((d) => d.id)).size, 3);
  assert.ok(deliveries.every((d) => d.requestId === requestId && d.attempt === 1 && d.acceptedAt === 1000));
  assert.equal(deliveries[0]!.bizId, 'o1');
});

test('invalid receivers all listed, nothing returned', () => {
  assert.throws(
    () =>
      fanOut(
        tpl,
        { templateId: 7, messages: [{ receivers: ['ok@x.com', 'bad', 'worse@'], variables: { name: 'x' } }] },
        { now: 1, traceparent: '' },
      ),
    (e: unknown) =>
      e instanceof AppError &&
      e.code === 'INVALID_RECEIVERS' &&
      JSON.stringify(e.details) ===
        JSON.stringify({
          invalid: [
            { path: 'messages.0.receivers.1', receiver: 'bad' },
            { path: 'messages.0.receivers.2', receiver: 'worse@' },
          ],
        }),
  );
});

test('missing variables per message', () => {
  assert.throws(
    () =>
      fanOut(
        tpl,
        { templateId: 7, messages: [{ receivers: ['a@x.com'], variables: {} }] },
        { now: 1, traceparent: '' },
      ),
    (e: unknown) => e instanceof AppError && e.code === 'MISSING_VARIABLES' && /name/.test(e.message),
  );
});

test('more than 1000 deliveries in total is refused', () => {
  const messages = Array.from({ length: 3 }, () => ({
    receivers: Array.from({ length: 400 }, (_, i) => `u${i}@x.com`),
    variables: { name: 'n' },
  }));
  assert.throws(() => fanOut(tpl, { templateId: 7, messages }, { now: 1, traceparent: '' }), /at most 1000/);
});

test('a seed reproduces ids; no seed does not', () => {
  const body = { templateId: 7, messages: [{ receivers: ['a@x.com', 'b@x.com'], variables: { name: 'n' } }] };
  const a = fanOut(tpl, body, { now: 5, traceparent: '', seed: 'app1:key', firstAt: 3 });
  const b = fanOut(tpl, body, { now: 9, traceparent: '', seed: 'app1:key', firstAt: 3 });
  assert.deepEqual(
    a.deliveries.map((d) => d.id),
    b.deliveries.map((d) => d.id),
  );
  assert.equal(a.requestId, b.requestId);
  const c = fanOut(tpl, body, { now: 5, traceparent: '' });
  assert.notDeepEqual(
    c.deliveries.map((d) => d.id),
    a.deliveries.map((d) => d.id),
  );
});

test('a group robot posts once per message: its receivers become the mentions of that one delivery', () => {
  const robot: Template = { ...tpl, channel: 'feishu_robot', content: { text: 'Build {$n} failed' } };
  const { deliveries } = fanOut(
    robot,
    {
      templateId: 7,
      messages: [
        { receivers: ['ou_ann', 'ou_bob', 'ou_ann'], variables: { n: '1' } },
        { receivers: ['@all', 'ou_cid'], variables: { n: '2' } },
        { receivers: ['group'], variables: { n: '3' } },
      ],
    },
    { now: 1000, traceparent: '' },
  );
  assert.deepEqual(
    deliveries.map((d) => d.receiver),
    ['ou_ann,ou_bob', '@all', 'group'],
  );
  const bad = () =>
    fanOut(
      robot,
      { templateId: 7, messages: [{ receivers: ['ou_ann', 'a,b'], variables: { n: '1' } }] },
      { now: 1000, traceparent: '' },
    );
  assert.throws(bad, (e: unknown) => {
    const details = (e as AppError).details as { invalid: { path: string }[] };
    return e instanceof AppError && e.status === 422 && details.invalid[0]?.path === 'messages.0.receivers.1';
  });
  const many = Array.from({ length: 101 }, (_, i) => `ou_${i}`);
  assert.throws(
    () =>
      fanOut(
        robot,
        { templateId: 7, messages: [{ receivers: many, variables: { n: '1' } }] },
        { now: 1, traceparent: '' },
      ),
    (e: unknown) => e instanceof AppError && e.status === 422,
  );
});
