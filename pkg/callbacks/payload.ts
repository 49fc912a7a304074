import type { Fields } from '../bus/entry.ts';
import type { LifecycleEvent } from '../domain/events.ts';
import type { State } from '../domain/states.ts';

/**
 * What a status callback carries: the JSON body an app receives, its Standard Webhooks id, and
 * the outbox entry that holds both until the post succeeds.
 */

/**
 * The body posted to an app, in the Standard Webhooks payload shape (`type`, `timestamp`, `data`).
 *
 * @example { type: 'message.sent', timestamp: '2026-11-23T08:00:00.000Z', data: { messageId: '01K…', state: 'sent', … } }
 */
export type CallbackPayload = Readonly<{
  type: `message.${State}`;
  /** When the state was reached (ISO 8601). */
  timestamp: string;
  data: Readonly<{
    messageId: string;
    templateId: number;
    receiver: string;
    channel: string;
    messageType: string;
    state: State;
    /** When the state was reached, ms since the epoch (as in message traces). */
    at: number;
    /** Provider error code or filter name; '' when there is none. */
    reason: string;
    /** The caller's business id of the message, when it gave one and the platform knows it. */
    bizId?: string;
  }>;
}>;

/**
 * The body of one lifecycle event's callback.
 *
 * @example callbackPayload(event, 'order-1').type // 'message.sent'
 */
export function callbackPayload(e: LifecycleEvent, bizId?: string): CallbackPayload {
  return {
    type: `message.${e.state}`,
    timestamp: new Date(e.at).toISOString(),
    data: {
      messageId: e.messageId,
      templateId: e.templateId,
      receiver: e.receiver,
      channel: e.channel,
      messageType: e.messageType,
      state: e.state,
      at: e.at,
      reason: e.reason,
      ...(bizId ? { bizId } : {}),
    },
  };
}

/**
 * The `webhook-id` of an event's callback: the same for every retry and for a redelivered event
 * (receivers drop duplicates by it), different for two events of one message even when a state
 * repeats (`retrying` twice), hence the event time in it.
 *
 * @example webhookIdOf({ messageId: '01KAQ…', state: 'sent', at: 1700000000000 }) // '01KAQ….sent.1700000000000'
 */
export const webhookIdOf = (e: Pick<LifecycleEvent, 'messageId' | 'state' | 'at'>): string =>
  `${e.messageId}.${e.state}.${e.at}`;

/**
 * One pending callback post, as the outbox stream holds it.
 *
 * @example decodeItem(entry.fields)?.webhookId // '01K….sent.1700000000000'
 */
export type OutboxItem = Readonly<{
  appId: number;
  webhookId: string;
  messageId: string;
  state: string;
  /** The JSON body, serialised once so every retry signs and sends the same bytes. */
  body: string;
  /** Post attempts made so far. */
  attempts: number;
  /** Why the last attempt failed ('' before the first). */
  reason: string;
}>;

/**
 * Outbox entry fields of an item (`app wid mid st body n rsn`).
 *
 * @example encodeItem({ appId: 1, webhookId: 'm.sent.1', messageId: 'm', state: 'sent', body: '{}', attempts: 0, reason: '' })
 */
export function encodeItem(i: OutboxItem): Record<string, string> {
  return {
    app: String(i.appId),
    wid: i.webhookId,
    mid: i.messageId,
    st: i.state,
    body: i.body,
    n: String(i.attempts),
    rsn: i.reason,
  };
}

/**
 * Parses outbox entry fields; undefined when malformed.
 *
 * @example decodeItem(encodeItem(item))?.attempts // 0
 */
export function decodeItem(f: Fields): OutboxItem | undefined {
  const appId = Number(f.app);
  const attempts = Number(f.n ?? '0');
  if (!Number.isSafeInteger(appId) || appId <= 0 || !f.wid || !f.body) return undefined;
  if (!Number.isSafeInteger(attempts) || attempts < 0) return undefined;
  return {
    appId,
    webhookId: f.wid,
    messageId: f.mid ?? '',
    state: f.st ?? '',
    body: f.body,
    attempts,
    reason: f.rsn ?? '',
  };
}
