import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTemplateCache } from '../templates/cache.ts';
import { cachedLookup } from './cached-lookup.ts';

describe('cachedLookup (lru-cache with ttl)', () => {
  test('one load per key within the ttl, shared by concurrent callers; loads again after it', async () => {
    let t = 1000;
    const calls: number[] = [];
    const lookup = cachedLookup(
      async (id: number) => {
        calls.push(id);
        return { id };
      },
      { ttlMs: 5000, now: () => t },
    );
    const [a, b] = await Promise.all([lookup(1), lookup(1)]);
    assert.equal(a, b);
    assert.deepEqual(calls, [1]);
    t += 4999;
    await lookup(1);
    assert.deepEqual(calls, [1]);
    t += 2;
    await lookup(1);
    assert.deepEqual(calls, [1, 1]);
  });

  test('an unknown key (undefined) is cached; a failed load is not', async () => {
    let calls = 0;
    let fail = true;
    const lookup = cachedLookup(
      async (key: string) => {
        calls++;
        if (key === 'boom' && fail) throw new Error('db down');
        return undefined;
      },
      { ttlMs: 60_000 },
    );
    assert.equal(await lookup('nobody'), undefined);
    assert.equal(await lookup('nobody'), undefined);
    assert.equal(calls, 1, 'unknown key cached');
    await assert.rejects(lookup('boom'), /db down/);
    fail = false;
    assert.equal(await lookup('boom'), undefined);
    assert.equal(calls, 3, 'the failure was not kept');
  });

  test('stale-if-error: a failed refresh serves the last answer, retried a second later, bounded by maxStaleMs', async () => {
    let t = 1000;
    let fail = false;
    let calls = 0;
    const lookup = cachedLookup(
      async (id: number) => {
        calls++;
        if (fail) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return `v${calls}@${id}`;
      },
      { ttlMs: 5000, maxStaleMs: 60_000, now: () => t },
    );
    assert.equal(await lookup(1), 'v1@1');
    fail = true;
    t += 5001;
    assert.equal(await lookup(1), 'v1@1', 'stale answer while the refresh fails');
    assert.equal(calls, 2);
    assert.equal(await lookup(1), 'v1@1');
    assert.equal(calls, 2, 'no second refresh within a second of the failed one');
    t += 1001;
    assert.equal(await lookup(1), 'v1@1');
    assert.equal(calls, 3, 'tried again a second later');
    t = 1000 + 60_001;
    await assert.rejects(lookup(1), /ECONNREFUSED/, 'older than maxStaleMs: the failure shows');
    fail = false;
    assert.equal(await lookup(1), 'v5@1', 'back to fresh answers once loads succeed');
  });

  test('stale-if-error: a failed first load rejects, and an invalidated answer is never served stale', async () => {
    let fail = false;
    const lookup = cachedLookup(
      async (id: number) => {
        if (fail) throw new Error('db down');
        return id * 10;
      },
      { ttlMs: 60_000 },
    );
    fail = true;
    await assert.rejects(lookup(1), /db down/);
    fail = false;
    assert.equal(await lookup(2), 20);
    lookup.invalidate(2);
    fail = true;
    await assert.rejects(lookup(2), /db down/);
  });

  test('invalidate drops one key or all', async () => {
    let version = 0;
    const lookup = cachedLookup(async (id: number) => `${id}@${version}`, { ttlMs: 60_000 });
    assert.equal(await lookup(1), '1@0');
    assert.equal(await lookup(2), '2@0');
    version = 1;
    lookup.invalidate(1);
    assert.equal(await lookup(1), '1@1');
    assert.equal(await lookup(2), '2@0');
    lookup.invalidate();
    assert.equal(await lookup(2), '2@1');
  });

  test('bounded by max: the least recently used entry goes', async () => {
    let calls = 0;
    const lookup = cachedLookup(
      async (id: number) => {
        calls++;
        return id;
      },
      { ttlMs: 60_000, max: 2 },
    );
    await lookup(1);
    await lookup(2);
    await lookup(1);
    await lookup(3); // evicts 2
    assert.equal(calls, 3);
    await lookup(1);
    assert.equal(calls, 3);
    await lookup(2);
    assert.equal(calls, 4);
  });

  test('template cache: invalidation reaches the next get, the ttl bounds staleness', async () => {
    let t = 1000; // lru-cache treats a start time of 0 as "no time to live"
    let subject = 'v1';
    const cache = createTemplateCache({
      // biome-ignore lint/suspicious/noExplicitAny: only the field this test reads
      load: async (id) => ({ id, content: { subject } }) as any,
      ttlMs: 30_000,
      now: () => t,
    });
    const subjectOf = async () =>
      ((await cache.get(7))?.content as { subject?: string } | undefined)?.subject;
    assert.equal(await subjectOf(), 'v1');
    subject = 'v2';
    assert.equal(await subjectOf(), 'v1', 'cached');
    cache.invalidate(7);
    assert.equal(await subjectOf(), 'v2');
    subject = 'v3';
    t += 30_001;
    assert.equal(await subjectOf(), 'v3', 'expired after the ttl');
  });
});
