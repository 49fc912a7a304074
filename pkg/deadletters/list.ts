import { type Fields, fieldsOf } from '../bus/entry.ts';
import type { Route } from '../domain/channels.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { type DeadLetter, type DeadLetterFilter, matches, toItem } from './entry.ts';
import { comparePositions, type DeadLetterRef, encodeCursor, endAfter, entryTime } from './ids.ts';

/** Entries read per route and page when a field filter (template, reason, app) applies. */
export const SCAN_PER_ROUTE = 500;

export type ListDeps = Readonly<{ redis: Redis; keys: Keys; routes: readonly Route[] }>;

/** One page of dead letters, newest first; `next` continues it (null: nothing older). */
export type DeadLetterPage = { items: DeadLetter[]; next: string | null };

type Found = { ref: DeadLetterRef; fields: Fields };

/**
 * The XREVRANGE bounds of a filter's time range in a route, after a cursor position:
 * `from` inclusive, `to` exclusive (entry ids are `<ms>-<seq>`; a bare `<ms>` end takes every
 * sequence number of that millisecond).
 */
function bounds(route: Route, filter: DeadLetterFilter, after: DeadLetterRef | undefined) {
  let end = filter.to !== undefined ? String(Math.max(0, filter.to - 1)) : '+';
  if (after && (filter.to === undefined || entryTime(after.entryId) <= filter.to - 1))
    end = endAfter(route, after);
  const start = filter.from !== undefined ? String(Math.max(0, filter.from)) : '-';
  return { start, end };
}

/**
 * Reads one route's part of a page: up to `count` entries older than `after`, the ones passing
 * the filter, and the frontier — the last entry read when the read stopped before the end of
 * the range (everything newer than it in this route has been seen), undefined when it reached it.
 */
async function readRoute(
  deps: ListDeps,
  route: Route,
  filter: DeadLetterFilter,
  after: DeadLetterRef | undefined,
  count: number,
): Promise<{ found: Found[]; frontier: DeadLetterRef | undefined }> {
  const { start, end } = bounds(route, filter, after);
  const raw = (await deps.redis.xrevrange(deps.keys.deadLetters(route), end, start, 'COUNT', count)) as [
    string,
    string[],
  ][];
  const found: Found[] = [];
  for (const [entryId, flat] of raw) {
    const fields = fieldsOf(flat);
    if (matches(fields, filter)) found.push({ ref: { route, entryId }, fields });
  }
  const last = raw.at(-1);
  return { found, frontier: raw.length === count && last ? { route, entryId: last[0] } : undefined };
}

/**
 * A page of dead letters, newest first, across the filter's route or every route, continuing
 * after `after` (a decoded cursor). Each route is read once per page (at most `limit` entries,
 * or {@link SCAN_PER_ROUTE} when a field filter applies), so a page costs bounded work however
 * long the dead-letter streams are; with a field filter a page may then hold fewer than
 * `limit` items (even none) and still have a `next`.
 *
 * @example
 * const page = await listDeadLetters(deps, { reason: 'SMTP_550' }, undefined, 50);
 * const more = page.next ? await listDeadLetters(deps, { reason: 'SMTP_550' }, decodeCursor(page.next), 50) : undefined;
 */
export async function listDeadLetters(
  deps: ListDeps,
  filter: DeadLetterFilter,
  after: DeadLetterRef | undefined,
  limit: number,
): Promise<DeadLetterPage> {
  const routes = filter.route ? [filter.route] : deps.routes;
  const fieldFilter =
    filter.templateId !== undefined || filter.reason !== undefined || filter.appId !== undefined;
  const count = fieldFilter ? Math.max(limit, SCAN_PER_ROUTE) : limit;
  const parts = await Promise.all(routes.map((r) => readRoute(deps, r, filter, after, count)));
  // Seen in every route: everything up to the frontier that comes first. Past it, some route may
  // still hold entries not read yet, so the page ends there.
  let cut: DeadLetterRef | undefined;
  for (const p of parts) if (p.frontier && (!cut || comparePositions(p.frontier, cut) < 0)) cut = p.frontier;
  const seen = parts
    .flatMap((p) => p.found)
    .filter((x) => !cut || comparePositions(x.ref, cut) <= 0)
    .sort((a, b) => comparePositions(a.ref, b.ref));
  const page = seen.slice(0, limit);
  const next = seen.length > limit ? page.at(-1)!.ref : cut;
  return { items: page.map((x) => toItem(x.ref, x.fields)), next: next ? encodeCursor(next) : null };
}
