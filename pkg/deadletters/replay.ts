import { type Fields, fieldsOf } from '../bus/entry.ts';
import { parseRoute, type Route } from '../domain/channels.ts';
import { decodeDelivery } from '../domain/delivery.ts';
import type { Ledger } from '../lifecycle/ledger.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import { pipelineAnySlot } from '../redis/cluster.ts';
import type { Keys } from '../redis/keys.ts';
import { loadLuaFile } from '../redis/lua.ts';
import { type DeadLetterFilter, matches, replayFields } from './entry.ts';
import { type DeadLetterRef, deadLetterId, entryTime, parseDeadLetterId } from './ids.ts';

/** Dead letters read, reopened and moved per step of a bulk replay (bounds its memory). */
export const REPLAY_PAGE = 500;

const replayMove = loadLuaFile(new URL('./scripts/replay-move.lua', import.meta.url), 2);

export type ReplayDeps = Readonly<{ redis: Redis; keys: Keys; ledger: Ledger; routes: readonly Route[] }>;

/** Who replays, named in the `replayed` event's reason. */
export type Replayer = Readonly<{ appId?: number | undefined }>;

/**
 * Replays dead letters of one route: for each, the ledger records `replayed` and reopens the
 * message first (pkg/lifecycle/scripts/replayed.lua), then one script moves every reopened one
 * that is still a dead letter back to the delivery stream with a fresh attempt budget
 * (./scripts/replay-move.lua). A crash between the two steps leaves the dead letter in place,
 * and replaying it again moves it without a second `replayed`. Entries that are not a
 * delivery (`MALFORMED`) and messages that ended otherwise (sent, cancelled) are skipped.
 * Returns how many went back to the stream.
 *
 * @example const n = await replayEntries(deps, 'email.notice', [{ entryId, fields }], {});
 */
export async function replayEntries(
  deps: ReplayDeps,
  route: Route,
  entries: readonly { entryId: string; fields: Fields }[],
  by: Replayer,
): Promise<number> {
  const { channel, messageType } = parseRoute(route)!;
  const who = by.appId === undefined ? 'admin' : `app ${by.appId}`;
  const reopened = await Promise.all(
    entries.map(async (e) => {
      const d = decodeDelivery(channel, messageType, e.fields);
      if (!d) return undefined;
      const ref = deadLetterId({ route, entryId: e.entryId });
      const reason = `dead letter ${e.fields.dlq_reason || '?'} replayed by ${who}`;
      return (await deps.ledger.replay(d, ref, reason)) === 'ended' ? undefined : e;
    }),
  );
  const moving = reopened.filter((e) => e !== undefined);
  if (moving.length === 0) return 0;
  const args: (string | number)[] = [moving.length];
  for (const e of moving) {
    const f = replayFields(e.fields);
    args.push(e.entryId, f.length, ...f);
  }
  const moved = (await replayMove(
    deps.redis,
    [deps.keys.deadLetters(route), deps.keys.stream(route)],
    args,
  )) as number[];
  return moved.reduce((n, x) => n + Number(x), 0);
}

/**
 * Reads dead letters by id (one XRANGE each, pipelined), keeping those `appId` (undefined: the
 * admin) may see; unknown, malformed and foreign ids are left out alike.
 *
 * @example const found = await readByIds(deps, ['email.notice:1764000000000-0'], 3);
 */
export async function readByIds(
  deps: Pick<ReplayDeps, 'redis' | 'keys'>,
  ids: readonly string[],
  appId: number | undefined,
): Promise<{ ref: DeadLetterRef; fields: Fields }[]> {
  const refs = [...new Set(ids)].map(parseDeadLetterId).filter((r) => r !== undefined);
  if (refs.length === 0) return [];
  const pipe = pipelineAnySlot(deps.redis); // dead letters of several routes: several slots
  for (const r of refs) pipe.xrange(deps.keys.deadLetters(r.route), r.entryId, r.entryId);
  const results = (await pipe.exec()) ?? [];
  const out: { ref: DeadLetterRef; fields: Fields }[] = [];
  results.forEach(([err, raw], i) => {
    if (err) throw err;
    const entry = (raw as [string, string[]][])[0];
    if (!entry) return;
    const fields = fieldsOf(entry[1]);
    if (appId === undefined || matches(fields, { appId })) out.push({ ref: refs[i]!, fields });
  });
  return out;
}

/**
 * Replays the dead letters named by id; unknown, already replayed and (for an app) other apps'
 * ones count as not replayed. Returns how many went back to their stream.
 *
 * @example await replayByIds(deps, ['email.notice:1764000000000-0'], {}) // 1
 */
export async function replayByIds(deps: ReplayDeps, ids: readonly string[], by: Replayer): Promise<number> {
  const byRoute = new Map<Route, { entryId: string; fields: Fields }[]>();
  for (const { ref, fields } of await readByIds(deps, ids, by.appId)) {
    const list = byRoute.get(ref.route) ?? [];
    list.push({ entryId: ref.entryId, fields });
    byRoute.set(ref.route, list);
  }
  let n = 0;
  for (const [route, entries] of byRoute) {
    for (let i = 0; i < entries.length; i += REPLAY_PAGE)
      n += await replayEntries(deps, route, entries.slice(i, i + REPLAY_PAGE), by);
  }
  return n;
}

/**
 * Replays every dead letter passing the filter (an app's replay: `filter.appId` is its own),
 * oldest first, walking each route's dead letters {@link REPLAY_PAGE} at a time, so memory
 * stays bounded for any number of them. The walk stops at the newest dead letter there was
 * when it started: a replayed message that fails again is not replayed again by the same call.
 *
 * @example await replayByFilter(deps, { route: 'email.notice', reason: 'SMTP_550' }, {}) // 100
 */
export async function replayByFilter(
  deps: ReplayDeps,
  filter: DeadLetterFilter,
  by: Replayer,
): Promise<number> {
  let n = 0;
  for (const route of filter.route ? [filter.route] : deps.routes) {
    const key = deps.keys.deadLetters(route);
    const newest = (await deps.redis.xrevrange(key, '+', '-', 'COUNT', 1))[0]?.[0];
    if (!newest) continue;
    // The walk ends at the newest dead letter there is now (or before `to`, exclusive).
    const end =
      filter.to !== undefined && entryTime(newest) > filter.to - 1
        ? String(Math.max(0, filter.to - 1))
        : newest;
    let start = filter.from !== undefined ? String(Math.max(0, filter.from)) : '-';
    for (;;) {
      const raw = (await deps.redis.xrange(key, start, end, 'COUNT', REPLAY_PAGE)) as [string, string[]][];
      const page: { entryId: string; fields: Fields }[] = [];
      for (const [entryId, flat] of raw) {
        const fields = fieldsOf(flat);
        if (matches(fields, filter)) page.push({ entryId, fields });
      }
      if (page.length > 0) n += await replayEntries(deps, route, page, by);
      if (raw.length < REPLAY_PAGE) break;
      start = `(${raw.at(-1)![0]}`;
    }
  }
  return n;
}
