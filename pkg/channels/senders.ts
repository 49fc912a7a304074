import { cachedLookup } from '../cache/cached-lookup.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Catalog } from './catalog.ts';
import { createBreakers } from './kit/breaker.ts';
import { createHttpClient } from './kit/http.ts';
import { createKit } from './kit/index.ts';
import type { HttpClient } from './kit/types.ts';
import { createSenderCache, type SenderCache } from './registry.ts';
import type { BatchSettings, BreakerPort, SenderAccount } from './sender.ts';

/** The slice of the accounts repository senders read (decrypted configs: never logged). */
export type SecretAccounts = Readonly<{
  getWithSecrets(id: number): Promise<SenderAccount | undefined>;
}>;

/**
 * Account lookups for senders, cached for `ttlMs`: a sender looks its account up per delivery,
 * and an edit (which moves `updatedAt`, rebuilding the sender) reaches it within the TTL. While
 * the database is unreachable the last answer is served (stale-if-error, pkg/cache), so sends
 * through a known account go on during an outage.
 *
 * @example const loadAccount = cachedAccounts(repos.accounts);
 */
export function cachedAccounts(accounts: SecretAccounts, ttlMs = 5000) {
  return cachedLookup(
    async (id: number): Promise<SenderAccount | undefined> => {
      const a = await accounts.getWithSecrets(id);
      return a
        ? { id: a.id, channel: a.channel, provider: a.provider, config: a.config, updatedAt: a.updatedAt }
        : undefined;
    },
    { ttlMs },
  );
}

/** Breaker settings of a process (config `handler.breaker`). */
export type BreakerSettings = Readonly<{ threshold: number; halfOpenAfterMs: number }>;

/**
 * The senders of a process, wired the one way every process does it: one keep-alive HTTP client
 * shared by all accounts, a kit per account (its tokens live in Redis, shared by all handlers),
 * per-account circuit breakers whose state changes are reported (metrics, logs), and the cache
 * that builds each account's sender from its provider's definition.
 *
 * @example
 * const s = createPlatformSenders({ catalog, redis, keys, loadAccount, onBreakerChange });
 * const got = await s.senders.get(accountId); await s.close();
 */
export function createPlatformSenders(opts: {
  catalog: Catalog;
  redis: Redis;
  keys: Keys;
  loadAccount: (accountId: number) => Promise<SenderAccount | undefined>;
  breaker?: BreakerSettings;
  onBreakerChange?: (key: string, state: 'closed' | 'open' | 'half_open') => void;
  http?: HttpClient;
  now?: () => number;
  batching?: BatchSettings;
}): { senders: SenderCache; breakers: BreakerPort; close(): Promise<void> } {
  const http = opts.http ?? createHttpClient({});
  // One guarded client per process for caller-chosen URLs (webhooks), shared by all accounts.
  const publicHttp = createHttpClient({ guard: { allowPrivateNetworks: false } });
  const breakers = createBreakers({
    threshold: opts.breaker?.threshold ?? 5,
    halfOpenAfterMs: opts.breaker?.halfOpenAfterMs ?? 10_000,
    ...(opts.onBreakerChange ? { onStateChange: opts.onBreakerChange } : {}),
  });
  const senders = createSenderCache({
    catalog: opts.catalog,
    loadAccount: opts.loadAccount,
    breakers,
    ...(opts.batching ? { batching: opts.batching } : {}),
    kitFor: (account) =>
      createKit({
        redis: opts.redis,
        keys: opts.keys,
        accountId: account.id,
        http,
        publicHttp,
        ...(opts.now ? { now: opts.now } : {}),
      }),
  });
  return {
    senders,
    breakers,
    async close() {
      await senders.closeAll();
      if (!opts.http) await http.close();
      await publicHttp.close();
    },
  };
}
