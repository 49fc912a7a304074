import type { Channel, MessageType } from './channels.ts';

/** Quiet-hours policy of a template (issue: filter chain). */
export type ShieldPolicy = 'none' | 'drop' | 'delay';

/** What a match of the sensitive-words dictionary does: nothing, mask it with `*`, or block. */
export type SensitivePolicy = 'none' | 'mask' | 'block';

/**
 * A message template as the handler and ingest see it (credentials never included).
 *
 * @example
 * const t: Template = { id: 1, name: 'welcome', channel: 'sandbox', messageType: 'notice',
 *   accountId: 1, content: { text: 'Hello {$name}' }, status: 'active', shield: 'none',
 *   timezone: null, appId: 1, sharedWithApps: [], version: 1, sensitive: 'none', updatedAt: Date.now() };
 */
export type Template = Readonly<{
  id: number;
  name: string;
  channel: Channel;
  messageType: MessageType;
  /**
   * The channel account that sends; null: chosen per message from the live config's weighted
   * account list of the template's route (`routing`, SMS), with failover.
   */
  accountId: number | null;
  content: unknown;
  /** A paused template refuses sends (409 TEMPLATE_PAUSED) and its cron runs stop. */
  status: 'active' | 'paused';
  /** The owning app; null only for a template older than tenancy that no app was given. */
  appId: number | null;
  /** Other apps that may send with it (they do not see its stats). */
  sharedWithApps: readonly number[];
  /** Moves by one on every edit; recorded on each message sent with it. */
  version: number;
  /** What a sensitive-dictionary match in the rendered content does. */
  sensitive: SensitivePolicy;
  shield: ShieldPolicy;
  /** IANA zone for quiet hours; null = platform default. */
  timezone: string | null;
  /** Cron expression for scheduled crowd sends, if any. */
  cron?: string | null;
  updatedAt: number;
}>;

/**
 * Whether an app may send with a template: it owns it or the template is shared with it.
 *
 * @example mayUse({ appId: 1, sharedWithApps: [3] }, 3) // true
 */
export const mayUse = (t: Pick<Template, 'appId' | 'sharedWithApps'>, appId: number): boolean =>
  t.appId === appId || t.sharedWithApps.includes(appId);
