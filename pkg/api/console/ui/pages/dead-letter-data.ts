// What the Dead letters page reads and sends: the list's filter (as the query of
// GET /v1/admin/dead-letters and the `filter` of POST /replay), its rows and one in full.
import { api } from '../api.ts';

/** A row of `GET /v1/admin/dead-letters`. */
export type DeadLetter = {
  id: string;
  messageId: string;
  route: string;
  templateId: number;
  receiver: string;
  reason: string;
  lastError: string;
  attempts: number;
  at: string;
  appId: number | null;
};

/** `GET /v1/admin/dead-letters/{id}`: the row plus the delivery (variables masked by the API). */
export type DeadLetterDetail = DeadLetter & {
  channel: string;
  messageType: string;
  requestId: string;
  bizId: string;
  acceptedAt: string | null;
  timezone: string | null;
  pinnedAccountId: number | null;
  variables: Record<string, unknown>;
  state: string | null;
};

/** The filter form as typed (strings; empty = any). `from`/`to` are datetime-local values. */
export type Filter = {
  route: string;
  templateId: string;
  reason: string;
  appId: string;
  from: string;
  to: string;
};

export const NO_FILTER: Filter = { route: '', templateId: '', reason: '', appId: '', from: '', to: '' };

const iso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);
const int = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

/** The filter as the list's query string values. */
export function filterQuery(f: Filter): Record<string, string | undefined> {
  return {
    route: f.route || undefined,
    templateId: f.templateId.trim() || undefined,
    reason: f.reason.trim() || undefined,
    appId: f.appId.trim() || undefined,
    from: iso(f.from),
    to: iso(f.to),
  };
}

/** The filter as the replay body's `filter` (numbers as numbers, empty fields left out). */
export function filterBody(f: Filter): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const put = (k: string, v: string | number | undefined) => {
    if (v !== undefined && v !== '') out[k] = v;
  };
  put('route', f.route);
  put('templateId', int(f.templateId));
  put('reason', f.reason.trim());
  put('appId', int(f.appId));
  put('from', iso(f.from));
  put('to', iso(f.to));
  return out;
}

/** The filter a link carries (`?route=email.notice#/dead-letters`, from the Streams page). */
export function filterFromSearch(search: string): Filter {
  const q = new URLSearchParams(search);
  return {
    ...NO_FILTER,
    route: q.get('route') ?? '',
    templateId: q.get('templateId') ?? '',
    reason: q.get('reason') ?? '',
    appId: q.get('appId') ?? '',
  };
}

/** Drops the query from the address (kept: the hash route), without a navigation. */
export function dropSearch(): void {
  const url = new URL(location.href);
  if (url.search === '') return;
  url.search = '';
  history.replaceState(history.state, '', url);
}

const PAGE = 50;

/** One page of the list, newest first. */
export const listPage = (f: Filter, cursor: string | null, signal?: AbortSignal) =>
  api<{ items: DeadLetter[]; next: string | null }>('/v1/admin/dead-letters', {
    query: { ...filterQuery(f), limit: PAGE, cursor },
    ...(signal ? { signal } : {}),
  });

/** How many dead letters match the filter now (pages through the list; the API keeps no count). */
export async function countMatching(f: Filter): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const page: { items: DeadLetter[]; next: string | null } = await api('/v1/admin/dead-letters', {
      query: { ...filterQuery(f), limit: 500, cursor },
    });
    n += page.items.length;
    cursor = page.next;
  } while (cursor);
  return n;
}

/** Replays by ids or by filter; answers how many went back to their stream. */
export const replay = (body: { ids: string[] } | { filter: Record<string, string | number> }) =>
  api<{ replayed: number }>('/v1/admin/dead-letters/replay', { method: 'POST', body });
