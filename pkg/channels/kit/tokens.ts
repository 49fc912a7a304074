import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Keys } from '../../redis/keys.ts';
import { loadScriptDir, type ScriptClient } from '../../redis/lua.ts';
import type { FetchedToken, TokenCache } from './types.ts';

const SCRIPTS = loadScriptDir(new URL('./scripts/', import.meta.url), {
  tokenClaim: 2,
  tokenStore: 2,
  tokenUnlock: 1,
});

/**
 * Options of {@link createTokenCache}.
 *
 * @example const opts: TokenCacheOptions = { redis, keys, accountId: 7, lockMs: 5000 };
 */
export type TokenCacheOptions = Readonly<{
  redis: ScriptClient;
  keys: Pick<Keys, 'token' | 'tokenLock'>;
  accountId: number;
  /** Clock for token lifetimes (tests move it); waits and locks use real time. */
  now?: () => number;
  /** Refresh this long before expiry, at most 10% of the token's life; default 5 min. */
  refreshEarlyMs?: number;
  /** Refresh lock life: a holder that died is taken over after this; default 10 s. */
  lockMs?: number;
  /** How long a caller waits for another's refresh, and the fetcher for its own fetch; default 10 s. */
  waitMs?: number;
  /** Poll interval while another process refreshes; default 25 ms. */
  pollMs?: number;
}>;

type Claim = ['token', string] | ['lock'] | ['wait'];

/** Runs `fetch`, giving up after `ms` (the fetch itself cannot be cancelled; a late answer is dropped). */
async function bounded(fetch: () => Promise<FetchedToken>, ms: number, what: string): Promise<FetchedToken> {
  const running = Promise.resolve().then(fetch);
  running.catch(() => {});
  const ac = new AbortController();
  const timeout = sleep(ms, undefined, { signal: ac.signal }).then(() => {
    throw new Error(`${what}: token fetch gave no answer within ${ms} ms`);
  });
  timeout.catch(() => {});
  try {
    return await Promise.race([running, timeout]);
  } finally {
    ac.abort();
  }
}

/**
 * The kit's access-token cache of one account, in Redis so every handler process shares it.
 * A token is fetched once for the fleet: the process that takes the refresh lock (SET NX PX, in
 * the same script that finds the stored token unusable) fetches; the others poll until the new
 * token is stored (at most `waitMs`), and callers inside one process share one promise. A token
 * is refreshed early (`refreshEarlyMs`, at most 10% of its life) while callers keep using the
 * still valid one. A holder that crashed is taken over when its lock expires (`lockMs`). Fetch
 * failures reject the callers (they turn them into retryable outcomes) and free the lock at once.
 * Token values are secrets: they are never logged nor put into errors.
 *
 * @example
 * const tokens = createTokenCache({ redis, keys, accountId: 7 });
 * const outcome = await tokens.withToken('corp:agent', fetchWecomToken, (token) => send(token));
 */
export function createTokenCache(opts: TokenCacheOptions): TokenCache {
  const { redis, keys, accountId } = opts;
  const now = opts.now ?? Date.now;
  const refreshEarlyMs = opts.refreshEarlyMs ?? 5 * 60_000;
  const lockMs = opts.lockMs ?? 10_000;
  const waitMs = opts.waitMs ?? 10_000;
  const pollMs = opts.pollMs ?? 25;
  const inflight = new Map<string, Promise<string>>();

  async function fetchAndStore(
    name: string,
    nonce: string,
    fetch: () => Promise<FetchedToken>,
  ): Promise<string> {
    const tokenKey = keys.token(accountId, name);
    const lockKey = keys.tokenLock(accountId, name);
    const what = `token "${name}" of account ${accountId}`;
    let fetched: FetchedToken;
    try {
      fetched = await bounded(fetch, waitMs, what);
      if (typeof fetched?.token !== 'string' || fetched.token === '' || !(fetched.expiresInMs > 0)) {
        throw new Error(`${what}: the token endpoint gave no usable token`);
      }
    } catch (err) {
      await SCRIPTS.tokenUnlock(redis, [lockKey], [nonce]).catch(() => {});
      throw err;
    }
    const life = Math.ceil(fetched.expiresInMs);
    const exp = now() + life;
    const fresh = exp - Math.min(refreshEarlyMs, Math.floor(life / 10));
    // When our lock expired mid-fetch and another process holds it now, its token is stored
    // instead; ours is still valid, so this caller uses it.
    await SCRIPTS.tokenStore(redis, [tokenKey, lockKey], [nonce, fetched.token, exp, fresh, life]);
    return fetched.token;
  }

  async function obtain(name: string, stale: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const tokenKey = keys.token(accountId, name);
    const lockKey = keys.tokenLock(accountId, name);
    const nonce = randomBytes(12).toString('hex');
    const deadline = Date.now() + waitMs;
    for (;;) {
      const claim = (await SCRIPTS.tokenClaim(
        redis,
        [tokenKey, lockKey],
        [nonce, lockMs, now(), stale],
      )) as Claim;
      if (claim[0] === 'token') return claim[1];
      if (claim[0] === 'lock') return fetchAndStore(name, nonce, fetch);
      if (Date.now() >= deadline) {
        throw new Error(
          `token "${name}" of account ${accountId}: another process's refresh took over ${waitMs} ms`,
        );
      }
      await sleep(pollMs);
    }
  }

  /** One promise per (name, stale) in this process, so concurrent callers make one Redis round. */
  function shared(name: string, stale: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const key = `${name}\n${stale}`;
    let p = inflight.get(key);
    if (!p) {
      p = obtain(name, stale, fetch).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  }

  const get = (name: string, fetch: () => Promise<FetchedToken>) => shared(name, '', fetch);
  const refresh = (name: string, stale: string, fetch: () => Promise<FetchedToken>) =>
    // An empty stale token would read as a plain get; nothing valid is empty, so any fetch does.
    shared(name, stale === '' ? '\u0000' : stale, fetch);

  return Object.freeze({
    get,
    refresh,
    async withToken<T extends { ok: boolean; tokenExpired?: boolean }>(
      name: string,
      fetch: () => Promise<FetchedToken>,
      call: (token: string) => Promise<T>,
    ): Promise<T> {
      const token = await get(name, fetch);
      const first = await call(token);
      if (first.ok || !first.tokenExpired) return first;
      return call(await refresh(name, token, fetch));
    },
  });
}

/**
 * The same token cache, telling `onFetch` of every fetch this process makes (the fleet's one
 * refresher for a token, at first use, near expiry, or after the provider refused it) and
 * whether it gave a token. Metrics only: tokens themselves are never passed on.
 *
 * @example const tokens = observeTokenFetches(kit.tokens, (ok) => refreshes.inc({ provider, outcome: ok ? 'ok' : 'error' }));
 */
export function observeTokenFetches(tokens: TokenCache, onFetch: (ok: boolean) => void): TokenCache {
  const seen = (fetch: () => Promise<FetchedToken>) => async (): Promise<FetchedToken> => {
    try {
      const t = await fetch();
      onFetch(true);
      return t;
    } catch (err) {
      onFetch(false);
      throw err;
    }
  };
  return Object.freeze({
    get: (name, fetch) => tokens.get(name, seen(fetch)),
    refresh: (name, stale, fetch) => tokens.refresh(name, stale, seen(fetch)),
    withToken: (name, fetch, call) => tokens.withToken(name, seen(fetch), call),
  });
}
