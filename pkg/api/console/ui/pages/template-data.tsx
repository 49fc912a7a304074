// What the templates pages read from the API: the template and its neighbours (apps, accounts,
// providers' content schemas), the editor's draft and how it becomes a request body.
import { CHANNELS, MESSAGE_TYPES } from '../../../../domain/channels.ts';
import { api } from '../api.ts';
import type { JsonSchema } from '../content-editor.tsx';

/** The channels and message types the API accepts (pkg/domain/channels.ts, one copy). */
export { CHANNELS, MESSAGE_TYPES };
export const SHIELDS = ['none', 'drop', 'delay'] as const;
export const SENSITIVE = ['none', 'mask', 'block'] as const;

export type Channel = (typeof CHANNELS)[number];
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A template as `GET /v1/admin/templates/{id}` answers it. */
export type Template = {
  id: number;
  name: string;
  channel: Channel;
  messageType: MessageType;
  accountId: number | null;
  content: unknown;
  status: 'active' | 'paused';
  shield: (typeof SHIELDS)[number];
  timezone: string | null;
  appId: number | null;
  sharedWithApps: number[];
  version: number;
  sensitive: (typeof SENSITIVE)[number];
  cron: string | null;
  description: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
};

export type Paged<T> = { items: T[]; total: number };
export type AppRow = { id: number; name: string };
export type AccountRow = { id: number; name: string; channel: Channel; provider: string };
export type ProviderRow = { channel: Channel; provider: string; title: string; contentSchema: JsonSchema };

/** The editor's fields, as the form holds them (empty strings for "none"). */
export type Draft = {
  name: string;
  description: string;
  appId: number | null;
  sharedWithApps: number[];
  channel: Channel;
  messageType: MessageType;
  accountId: number | null;
  content: unknown;
  shield: Template['shield'];
  timezone: string;
  cron: string;
  sensitive: Template['sensitive'];
};

export const emptyDraft = (): Draft => ({
  name: '',
  description: '',
  appId: null,
  sharedWithApps: [],
  channel: 'sandbox',
  messageType: 'notice',
  accountId: null,
  content: {},
  shield: 'none',
  timezone: '',
  cron: '',
  sensitive: 'none',
});

export const draftOf = (t: Template): Draft => ({
  name: t.name,
  description: t.description ?? '',
  appId: t.appId,
  sharedWithApps: [...t.sharedWithApps],
  channel: t.channel,
  messageType: t.messageType,
  accountId: t.accountId,
  content: t.content,
  shield: t.shield,
  timezone: t.timezone ?? '',
  cron: t.cron ?? '',
  sensitive: t.sensitive,
});

const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());

/**
 * The create/update body of a draft. A missing owning app is left out so the API names the
 * field in its 422 instead of a type error.
 */
export function bodyOf(d: Draft): Record<string, unknown> {
  return {
    name: d.name,
    description: orNull(d.description),
    ...(d.appId === null ? {} : { appId: d.appId }),
    sharedWithApps: d.sharedWithApps.filter((id) => id !== d.appId),
    channel: d.channel,
    messageType: d.messageType,
    accountId: d.accountId,
    content: d.content,
    shield: d.shield,
    timezone: orNull(d.timezone),
    cron: orNull(d.cron),
    sensitive: d.sensitive,
  };
}

/** A copy of a template under "<name> (copy)", created at once (paused, so it sends nothing yet). */
export async function copyTemplate(t: Template, suffix: string): Promise<Template> {
  return api<Template>('/v1/admin/templates', {
    body: { ...bodyOf(draftOf(t)), name: `${t.name} ${suffix}`.slice(0, 128), status: 'paused' },
  });
}

/** Every item of a small admin list (apps, accounts): the largest page the API gives. */
export const loadAll = <T,>(path: string, signal: AbortSignal, query: Record<string, string> = {}) =>
  api<Paged<T>>(path, { query: { pageSize: 200, ...query }, signal }).then((p) => p.items);

/**
 * The sample variables of the section and their setter: kept while the operator moves between
 * the list and editors, so a template just created still previews and test-sends with them.
 */
export type Samples = readonly [unknown, (v: unknown) => void];

/** `{ path, message }` issues of a 422 (the API's `details`). */
export type Issue = { path: string; message: string };
export const issuesOf = (details: unknown): Issue[] =>
  Array.isArray(details)
    ? details.filter((d): d is Issue => typeof d === 'object' && d !== null && 'path' in d && 'message' in d)
    : [];
