import type { Channel, MessageType } from './channels.ts';
import type { State } from './states.ts';

/**
 * A lifecycle event: one state reached by one delivery.
 *
 * @example
 * const e: LifecycleEvent = { messageId: '01K…', templateId: 1, receiver: 'a@x.com',
 *   channel: 'email', messageType: 'notice', state: 'sent', at: Date.now(), reason: '' };
 */
export type LifecycleEvent = Readonly<{
  messageId: string;
  templateId: number;
  receiver: string;
  channel: Channel;
  messageType: MessageType;
  state: State;
  at: number;
  reason: string;
  /** The channel account that sent (0 before an account was chosen: accepted, filtered). */
  accountId?: number;
  /** Its provider (`smtp`, `wecom`, …; '' when none), for per-provider stats and metrics. */
  provider?: string;
  /** The app that sent the message (absent: a platform send); status callbacks route by it. */
  appId?: number;
  /** The provider's id of the sent message (on `sent`): SMS records and receipts match by it. */
  providerMessageId?: string;
  /** Billed parts the provider reported (SMS segments), on `sent`. */
  segments?: number;
  /**
   * The message's W3C traceparent when its trace is sampled (the aggregator links its spans to
   * it); absent otherwise, so an untraced event costs two bytes.
   */
  traceparent?: string;
}>;

/** Strings per encoded event: every event has the same 14 fields (Lua scripts rely on it: ended.lua EVENT_LEN). */
export const EVENT_FIELDS = 28;

/**
 * The event of one delivery reaching `state`: the one builder of events from a delivery.
 *
 * @example eventOf(delivery, 'sent', Date.now(), '', { id: 3, provider: 'smtp' })
 */
export function eventOf(
  d: Readonly<{
    id: string;
    templateId: number;
    receiver: string;
    channel: Channel;
    messageType: MessageType;
    appId?: number | undefined;
    traceparent?: string | undefined;
  }>,
  state: State,
  at: number,
  reason = '',
  account?: Readonly<{ id: number; provider: string }>,
  sent?: Readonly<{ providerMessageId?: string | undefined; segments?: number | undefined }>,
): LifecycleEvent {
  return {
    messageId: d.id,
    templateId: d.templateId,
    receiver: d.receiver,
    channel: d.channel,
    messageType: d.messageType,
    state,
    at,
    // The timeline of the ledger record separates entries with \u001e and fields with \u001f.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: those separators are control characters
    reason: reason.replace(/[\u001e\u001f]/g, ' '),
    ...(account ? { accountId: account.id, provider: account.provider } : {}),
    ...(d.appId ? { appId: d.appId } : {}),
    ...(sent?.providerMessageId ? { providerMessageId: sent.providerMessageId } : {}),
    ...(sent?.segments ? { segments: sent.segments } : {}),
    // Sampled traces only (flag 01): events stay small when tracing is off or sampled out.
    ...(d.traceparent?.endsWith('-01') ? { traceparent: d.traceparent } : {}),
  };
}

/** Flat stream-entry fields of an event (`id tpl rcv ch mt st at rsn acct prov app pmid seg tp`): the one layout. */
export function encodeEvent(e: LifecycleEvent): string[] {
  return [
    'id',
    e.messageId,
    'tpl',
    String(e.templateId),
    'rcv',
    e.receiver,
    'ch',
    e.channel,
    'mt',
    e.messageType,
    'st',
    e.state,
    'at',
    String(e.at),
    'rsn',
    e.reason,
    'acct',
    String(e.accountId ?? 0),
    'prov',
    e.provider ?? '',
    'app',
    e.appId === undefined ? '' : String(e.appId),
    'pmid',
    e.providerMessageId ?? '',
    'seg',
    e.segments === undefined ? '' : String(e.segments),
    'tp',
    e.traceparent ?? '',
  ];
}

/** Parses event fields; `undefined` when malformed. */
export function decodeEvent(f: Readonly<Record<string, string>>): LifecycleEvent | undefined {
  if (!f.id || !f.st || !f.at) return undefined;
  return {
    messageId: f.id,
    templateId: Number(f.tpl) || 0,
    receiver: f.rcv ?? '',
    channel: (f.ch ?? 'sandbox') as Channel,
    messageType: (f.mt ?? 'notice') as MessageType,
    state: f.st as State,
    at: Number(f.at),
    reason: f.rsn ?? '',
    ...(f.acct && f.acct !== '0' ? { accountId: Number(f.acct) || 0, provider: f.prov ?? '' } : {}),
    ...(f.app ? { appId: Number(f.app) || 0 } : {}),
    ...(f.pmid ? { providerMessageId: f.pmid } : {}),
    ...(f.seg ? { segments: Number(f.seg) || 0 } : {}),
    ...(f.tp ? { traceparent: f.tp } : {}),
  };
}

/**
 * The event partition of a message: FNV-1a 32-bit hash of the id, mod `partitions`. Every event
 * of one message lands in one partition, so its timeline is folded in order by one aggregator.
 *
 * @example partitionOf('01KAQ0000000000000000000', 8) // 0..7, stable
 */
export function partitionOf(messageId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < messageId.length; i++) {
    h ^= messageId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
