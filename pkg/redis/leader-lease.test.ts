import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import { startLeaderLease } from './leader-lease.ts';

describe('leader lease (real Redis)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    r = await testRedis();
  });
  after(() => r.cleanup());

  test('one of two instances leads; release on stop hands over at once', async () => {
    const key = r.keys.lease('t1');
    const a = startLeaderLease({ redis: r.redis, key, owner: 'a', ttlMs: 5000 });
    await a.beat();
    const b = startLeaderLease({ redis: r.redis, key, owner: 'b', ttlMs: 5000 });
    await b.beat();
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    assert.equal(await r.redis.get(key), 'a');
    const ttl = await r.redis.pttl(key);
    assert.ok(ttl > 4000 && ttl <= 5000, `ttl ${ttl}`);

    await a.stop();
    assert.equal(a.isLeader(), false);
    assert.equal(await r.redis.get(key), null, 'released on stop');
    assert.equal(await b.beat(), true);
    assert.equal(await r.redis.get(key), 'b');
    await b.stop();
  });

  test('a dead leader (no more renewals) is replaced after the ttl', async () => {
    const key = r.keys.lease('t2');
    // The "dead" leader: a key left behind by an owner that stopped renewing.
    await r.redis.set(key, 'dead', 'PX', 600);
    const changes: boolean[] = [];
    const b = startLeaderLease({
      redis: r.redis,
      key,
      owner: 'b',
      ttlMs: 600,
      onChange: (l) => changes.push(l),
    });
    assert.equal(await b.beat(), false);
    const started = Date.now();
    await waitFor('takeover', () => b.isLeader(), 3000);
    assert.ok(Date.now() - started >= 300, 'not before the dead lease expired');
    assert.deepEqual(changes, [true]);
    await b.stop();
    assert.deepEqual(changes, [true, false]);
  });

  test('a leader whose key was taken over stops leading and never deletes the new key', async () => {
    const key = r.keys.lease('t3');
    const a = startLeaderLease({ redis: r.redis, key, owner: 'a', ttlMs: 3000, heartbeatMs: 50 });
    assert.equal(await a.beat(), true);
    await r.redis.set(key, 'other', 'PX', 3000);
    await waitFor('a steps down', () => !a.isLeader(), 2000);
    await a.stop();
    assert.equal(await r.redis.get(key), 'other');
  });

  test('renewals keep the lease past its ttl', async () => {
    const key = r.keys.lease('t4');
    const a = startLeaderLease({ redis: r.redis, key, owner: 'a', ttlMs: 300 });
    await a.beat();
    await new Promise((res) => setTimeout(res, 700));
    assert.equal(a.isLeader(), true);
    assert.equal(await r.redis.get(key), 'a');
    await a.stop();
  });
});
