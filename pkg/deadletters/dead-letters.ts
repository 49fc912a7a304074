import { ALL_ROUTES, type Route } from '../domain/channels.ts';
import type { Ledger } from '../lifecycle/ledger.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { type DeadLetterDetail, type DeadLetterFilter, toDetail } from './entry.ts';
import type { DeadLetterRef } from './ids.ts';
import { type DeadLetterPage, listDeadLetters } from './list.ts';
import { readByIds, replayByFilter, replayByIds } from './replay.ts';

export type DeadLettersDeps = Readonly<{
  redis: Redis;
  keys: Keys;
  ledger: Ledger;
  /** Routes a listing without `route` covers (default: every route). */
  routes?: readonly Route[];
}>;

/**
 * What one caller may do with dead letters: the admin (`appId` undefined) everything, an app
 * only its own (another app's dead letter is missing to it, as if it did not exist).
 */
export type Scope = Readonly<{ appId?: number | undefined }>;

/**
 * Dead-letter operations over every route's dead-letter stream (`push:dlq:{<route>}`): list
 * (newest first, filtered, paged by cursor), inspect one, replay by id or by filter, discard.
 * Ids are `<route>:<entry id>` (./ids.ts). A replay records `replayed` in the message's
 * timeline (so template stats count it) and puts the delivery back on its route's stream with
 * a fresh attempt budget, at most once per dead letter (./replay.ts).
 *
 * @example
 * const dl = createDeadLetters({ redis, keys, ledger });
 * const page = await dl.list({ route: 'email.notice' }, undefined, 50, {});
 * await dl.replay({ ids: page.items.map((i) => i.id) }, {}); // { replayed: n }
 */
export function createDeadLetters(deps: DeadLettersDeps) {
  const routes = deps.routes ?? ALL_ROUTES;
  const base = { redis: deps.redis, keys: deps.keys, ledger: deps.ledger, routes };
  const one = async (id: string, scope: Scope) => (await readByIds(base, [id], scope.appId))[0];

  return Object.freeze({
    /** A page of dead letters the scope may see, newest first (see ./list.ts). */
    list(
      filter: DeadLetterFilter,
      after: DeadLetterRef | undefined,
      limit: number,
      scope: Scope,
    ): Promise<DeadLetterPage> {
      return listDeadLetters(base, scopedFilter(filter, scope), after, limit);
    },

    /**
     * One dead letter in full, with the message's current ledger state (null when its record
     * expired); undefined when unknown or not the scope's.
     */
    async get(id: string, scope: Scope): Promise<(DeadLetterDetail & { state: string | null }) | undefined> {
      const found = await one(id, scope);
      if (!found) return undefined;
      const detail = toDetail(found.ref, found.fields);
      const state = detail.messageId ? ((await deps.ledger.record(detail.messageId))?.st ?? null) : null;
      return { ...detail, state };
    },

    /** Replays by ids or by filter; returns how many went back to their stream. */
    async replay(
      what: { ids: readonly string[] } | { filter: DeadLetterFilter },
      scope: Scope,
    ): Promise<{ replayed: number }> {
      const by = { appId: scope.appId };
      const replayed =
        'ids' in what
          ? await replayByIds(base, what.ids, by)
          : await replayByFilter(base, scopedFilter(what.filter, scope), by);
      return { replayed };
    },

    /** Deletes a dead letter for good; false when unknown or not the scope's. */
    async discard(id: string, scope: Scope): Promise<boolean> {
      const found = await one(id, scope);
      if (!found) return false;
      return (await deps.redis.xdel(deps.keys.deadLetters(found.ref.route), found.ref.entryId)) === 1;
    },
  });
}

export type DeadLetters = ReturnType<typeof createDeadLetters>;

/** An app's filter always names the app: it never reaches another app's dead letters. */
const scopedFilter = (f: DeadLetterFilter, scope: Scope): DeadLetterFilter =>
  scope.appId === undefined ? f : { ...f, appId: scope.appId };
