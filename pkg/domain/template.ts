import type { Channel, MessageType } from './channels.ts';

/** Quiet-hours policy of a template (issue: filter chain). */
export type ShieldPolicy = 'none' | 'drop' | 'delay';

/**
 * A message template as the handler and ingest see it (credentials never included).
 *
 * @example
 * const t: Template = { id: 1, name: 'welcome', channel: 'sandbox', messageType: 'notice',
 *   accountId: 1, content: { text: 'Hello {$name}' }, status: 'active', shield: 'none',
 *   timezone: null, updatedAt: Date.now() };
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
  /** `paused` templates still accept sends via API? No: paused only pauses cron/crowd runs. */
  status: 'active' | 'paused';
  shield: ShieldPolicy;
  /** IANA zone for quiet hours; null = platform default. */
  timezone: string | null;
  /** Cron expression for scheduled crowd sends, if any. */
  cron?: string | null;
  updatedAt: number;
}>;
