import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from '../domain/ids.ts';
import { accountOrder, unitOf } from './routing.ts';

test('a weighted split over 10,000 messages is within 2 percentage points of the weights', () => {
  const list = [
    { accountId: 1, weight: 80 },
    { accountId: 2, weight: 20 },
  ];
  const firsts = new Map<number, number>();
  for (let i = 0; i < 10_000; i++) {
    const order = accountOrder(newId(), list);
    firsts.set(order[0]!, (firsts.get(order[0]!) ?? 0) + 1);
    assert.deepEqual([...order].sort(), [1, 2], 'every account is in the failover order once');
  }
  const share = (firsts.get(1) ?? 0) / 10_000;
  assert.ok(Math.abs(share - 0.8) <= 0.02, `account 1 took ${(share * 100).toFixed(2)}%`);
});

test('three accounts: shares follow weights, failover goes heaviest first, weight 0 only takes over', () => {
  const list = [
    { accountId: 7, weight: 50 },
    { accountId: 8, weight: 0 },
    { accountId: 9, weight: 30 },
    { accountId: 10, weight: 20 },
  ];
  const n = 10_000;
  const firsts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const order = accountOrder(newId(), list);
    firsts.set(order[0]!, (firsts.get(order[0]!) ?? 0) + 1);
    if (order[0] === 7) assert.deepEqual(order, [7, 9, 10, 8]);
    if (order[0] === 10) assert.deepEqual(order, [10, 7, 9, 8]);
  }
  assert.equal(firsts.get(8), undefined, 'weight 0 is never first');
  for (const [id, w] of [
    [7, 0.5],
    [9, 0.3],
    [10, 0.2],
  ] as const) {
    assert.ok(Math.abs((firsts.get(id) ?? 0) / n - w) <= 0.02, `account ${id}: ${firsts.get(id)}`);
  }
});

test('the pick is stable per message id (a redelivered message goes where it went)', () => {
  const list = [
    { accountId: 1, weight: 1 },
    { accountId: 2, weight: 1 },
  ];
  const id = newId();
  assert.deepEqual(accountOrder(id, list), accountOrder(id, list));
  assert.ok(unitOf(id) >= 0 && unitOf(id) < 1);
  assert.deepEqual(accountOrder(id, [{ accountId: 5, weight: 0 }]), [5]);
});
