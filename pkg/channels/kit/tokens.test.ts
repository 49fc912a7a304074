import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, testRedis, waitFor } from '../../testkit/testkit.ts';
import { createTokenCache, type TokenCacheOptions } from './tokens.ts';
import type { FetchedToken } from './types.ts';

// Two connections stand in for two handler processes sharing one Redis.
const r = await testRedis();
const other = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
after(async () => {
  other.disconnect();
  await r.cleanup();
});

let nextAccount = 1;
/** Two independent caches (own connection each) of one fresh account, on one shared fake clock. */
function twoProcesses(extra: Partial<TokenCacheOptions> = {}) {
  const clock = { t: 1_000_000 };
  const accountId = nextAccount++;
  const base = { keys: r.keys, accountId, now: () => clock.t, ...extra };
  return {
    clock,
    accountId,
    a: createTokenCache({ ...base, redis: r.redis }),
    b: createTokenCache({ ...base, redis: other }),
  };
}

/** A token endpoint that counts its calls and answers `tok-<n>` after `gate` (if any) opens. */
function endpoint(lifeMs = 3_600_000) {
  let calls = 0;
  let gate: Promise<void> | undefined;
  let open = () => {};
  return {
    calls: () => calls,
    hold() {
      gate = new Promise<void>((res) => {
        open = res;
      });
    },
    release: () => open(),
    fetch: async (): Promise<FetchedToken> => {
      const n = ++calls;
      if (gate) await gate;
      return { token: `tok-${n}`, expiresInMs: lifeMs };
    },
  };
}

test('many concurrent gets in two processes make exactly one fetch and all get its token', async () => {
  const { a, b, accountId } = twoProcesses();
  const ep = endpoint();
  ep.hold();
  const gets = Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).get('corp:agent', ep.fetch));
  // The fetch is held open until the lock is visibly taken, so the other process really waits.
  await waitFor(
    'refresh lock taken',
    async () => (await r.redis.exists(r.keys.tokenLock(accountId, 'corp:agent'))) === 1,
  );
  ep.release();
  const tokens = await Promise.all(gets);
  assert.equal(ep.calls(), 1);
  assert.deepEqual(new Set(tokens), new Set(['tok-1']));
  assert.equal(await b.get('corp:agent', ep.fetch), 'tok-1', 'a later get reads the stored token');
  assert.equal(ep.calls(), 1);
  assert.equal(await r.redis.exists(r.keys.tokenLock(accountId, 'corp:agent')), 0, 'lock released');
});

test('an expired token is fetched again; before expiry the stored one is used', async () => {
  const { a, b, clock } = twoProcesses();
  const ep = endpoint(60_000);
  assert.equal(await a.get('t', ep.fetch), 'tok-1');
  clock.t += 30_000;
  assert.equal(await b.get('t', ep.fetch), 'tok-1');
  clock.t += 31_000;
  assert.equal(await b.get('t', ep.fetch), 'tok-2');
  assert.equal(await a.get('t', ep.fetch), 'tok-2');
  assert.equal(ep.calls(), 2);
});

test('a token is refreshed early, while other callers keep using the still valid one', async () => {
  // Life 10 min: early margin = min(5 min, 10% of life) = 1 min.
  const { a, b, clock } = twoProcesses();
  const ep = endpoint(600_000);
  assert.equal(await a.get('t', ep.fetch), 'tok-1');
  clock.t += 8 * 60_000;
  assert.equal(await a.get('t', ep.fetch), 'tok-1', 'outside the early window: no fetch');
  assert.equal(ep.calls(), 1);
  clock.t += 90_000; // 9.5 min: inside the last minute
  ep.hold();
  const refreshing = b.get('t', ep.fetch);
  await waitFor('the early refresh started', () => ep.calls() === 2);
  assert.equal(await a.get('t', ep.fetch), 'tok-1', 'no wait while the old token is still valid');
  ep.release();
  assert.equal(await refreshing, 'tok-2');
  assert.equal(await a.get('t', ep.fetch), 'tok-2');
  assert.equal(ep.calls(), 2);
});

test('two processes refreshing the same stale token make one fetch and get the same new token', async () => {
  const { a, b, accountId } = twoProcesses();
  const ep = endpoint();
  const stale = await a.get('t', ep.fetch);
  ep.hold();
  const both = [
    a.refresh('t', stale, ep.fetch),
    b.refresh('t', stale, ep.fetch),
    a.refresh('t', stale, ep.fetch),
  ];
  await waitFor(
    'refresh lock taken',
    async () => (await r.redis.exists(r.keys.tokenLock(accountId, 't'))) === 1,
  );
  ep.release();
  assert.deepEqual(await Promise.all(both), ['tok-2', 'tok-2', 'tok-2']);
  assert.equal(ep.calls(), 2);
  assert.equal(
    await b.refresh('t', stale, ep.fetch),
    'tok-2',
    'a late caller with the old stale token: no fetch',
  );
  assert.equal(ep.calls(), 2);
});

test('a lock holder that never finishes is taken over once its lock expires', async () => {
  const { a, b, accountId } = twoProcesses({ lockMs: 300, waitMs: 2000 });
  const stuck = endpoint();
  stuck.hold(); // never released: the holder "crashed" mid-fetch
  const lost = a.get('t', stuck.fetch);
  lost.catch(() => {});
  await waitFor('the stuck holder has the lock', async () => {
    return (await r.redis.exists(r.keys.tokenLock(accountId, 't'))) === 1;
  });
  const ep = endpoint();
  const t0 = Date.now();
  assert.equal(await b.get('t', ep.fetch), 'tok-1');
  const waited = Date.now() - t0;
  assert.ok(waited >= 200 && waited < 1900, `took over after ${waited} ms`);
  assert.equal(ep.calls(), 1);
  assert.equal(await b.get('t', stuck.fetch), 'tok-1', 'the new token is stored for everyone');
});

test('a failed fetch rejects its callers and frees the lock at once', async () => {
  const { a, b, accountId } = twoProcesses({ lockMs: 10_000 });
  const failing = async (): Promise<FetchedToken> => {
    throw new Error('token endpoint answered 503');
  };
  await assert.rejects(Promise.all([a.get('t', failing), a.get('t', failing)]), /503/);
  assert.equal(await r.redis.exists(r.keys.tokenLock(accountId, 't')), 0);
  const ep = endpoint();
  const t0 = Date.now();
  assert.equal(await b.get('t', ep.fetch), 'tok-1');
  assert.ok(Date.now() - t0 < 2000, 'no wait for the failed holder');
  await assert.rejects(
    a.refresh('t', 'tok-1', async () => ({ token: '', expiresInMs: 1 })),
    (e: Error) => /no usable token/.test(e.message) && !e.message.includes('tok-'),
  );
});

test('withToken refreshes once on tokenExpired and calls once more, never more', async () => {
  const { a } = twoProcesses();
  const ep = endpoint();
  const seen: string[] = [];
  const ok = await a.withToken('t', ep.fetch, async (token) => {
    seen.push(token);
    return token === 'tok-1' ? { ok: false, tokenExpired: true } : { ok: true };
  });
  assert.deepEqual(ok, { ok: true });
  assert.deepEqual(seen, ['tok-1', 'tok-2']);

  const always: string[] = [];
  const stillBad = await a.withToken('t', ep.fetch, async (token) => {
    always.push(token);
    return { ok: false, tokenExpired: true };
  });
  assert.deepEqual(stillBad, { ok: false, tokenExpired: true });
  assert.deepEqual(always, ['tok-2', 'tok-3']);

  const other: string[] = [];
  const plain = await a.withToken('t', ep.fetch, async (token) => {
    other.push(token);
    return { ok: false };
  });
  assert.deepEqual(plain, { ok: false });
  assert.deepEqual(other, ['tok-3'], 'other failures are not retried');
  assert.equal(ep.calls(), 3);
});
