import { cachedLookup } from '../cache/cached-lookup.ts';
import type { ApiKeyHashes } from '../domain/api-key.ts';
import type { RedisClient as Redis, RedisTarget } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { subscribe } from '../redis/subscription.ts';
import type { AppsRepo } from '../store/apps.ts';
import type { Logger } from '../telemetry/logger.ts';

/** What auth needs of an app found by its key hash. */
export type AppByKey = { id: number; name: string; rateLimit: number | null };

/** Methods of the apps repository after which a cached key lookup may be wrong. */
const CHANGING = ['update', 'softDelete', 'restore', 'rotateKey'] as const;

/**
 * The apps repository, announcing on `keys.appChanged()` every change that alters what a key
 * lookup answers (key rotated, app deleted or restored, rate limit changed), so every ingest
 * instance drops its cached answers at once instead of waiting for their TTL. Wrapped where the
 * repositories are built, so the admin API and any other writer announce alike.
 *
 * @example const apps = announcingApps(repos.apps, { redis, keys });
 * await apps.rotateKey(3); // every subscribed lookup forgets app 3's old key now
 */
export function announcingApps(
  repo: AppsRepo,
  deps: { redis: Pick<Redis, 'publish'>; keys: Pick<Keys, 'appChanged'> },
): AppsRepo {
  const announce = (id: number) => deps.redis.publish(deps.keys.appChanged(), String(id));
  const wrapped: Record<string, unknown> = { ...repo };
  for (const name of CHANGING) {
    const method = repo[name] as (id: number, ...rest: unknown[]) => Promise<unknown>;
    wrapped[name] = async (id: number, ...rest: unknown[]) => {
      const out = await method(id, ...rest);
      // Awaited: the answer to a rotation must mean the old key no longer works anywhere.
      await announce(id);
      return out;
    };
  }
  return Object.freeze(wrapped) as AppsRepo;
}

/**
 * The key lookup of the auth middleware: cached (a database round trip per request would cap
 * ingest far below what Redis takes; unknown keys are cached too, so a flood of bad keys does not
 * reach the database), and emptied whenever any process announces an app change, and after the
 * subscriber connection comes back (announcements may have been missed meanwhile). The TTL only
 * bounds staleness if the subscription itself is broken.
 *
 * @example
 * const { lookup, closer } = subscribedAppLookup({
 *   hash: repos.apps.keyHashes, load: (h) => repos.apps.findByKeyHashes(h), target: config, keys, log,
 * });
 * await lookup(apiKey); // { id, name, rateLimit } | undefined
 */
export function subscribedAppLookup(deps: {
  /** The key's stored and legacy hashes (the apps repository's `keyHashes`). */
  hash: (apiKey: string) => ApiKeyHashes;
  load: (hashes: ApiKeyHashes) => Promise<AppByKey | undefined>;
  /** Where Redis is, for the subscriber connection. */
  target: RedisTarget;
  keys: Pick<Keys, 'appChanged'>;
  log: Logger;
  ttlMs?: number;
}) {
  // Cached by hashes, never by the key itself; both hex, so `keyed.legacy` splits back unambiguously.
  const cached = cachedLookup(
    (pair: string) => {
      const [keyed = '', legacy = ''] = pair.split('.');
      return deps.load({ keyed, legacy });
    },
    { ttlMs: deps.ttlMs ?? 5000 },
  );
  const lookup = (apiKey: string): Promise<AppByKey | undefined> => {
    const h = deps.hash(apiKey);
    return cached(`${h.keyed}.${h.legacy}`);
  };
  // Cached answers are keyed by key hash, not app id: any change forgets them all (app changes
  // are rare), and so does a reconnect (announcements may have been missed meanwhile).
  const forget = () => cached.invalidate();
  const sub = subscribe({
    target: deps.target,
    channel: deps.keys.appChanged(),
    onMessage: forget,
    onReady: forget,
    onError: (err) => deps.log.error({ err }, 'app change subscription failed'),
  });
  return { lookup, closer: { name: 'app-subscriber', close: () => sub.close() } };
}
