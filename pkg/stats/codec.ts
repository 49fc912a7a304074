import type { Channel, MessageType } from '../domain/channels.ts';
import type { LifecycleEvent } from '../domain/events.ts';
import type { State } from '../domain/states.ts';
import type { LatestState } from './fold.ts';

/**
 * How folded values are stored in Redis. One place, so the apply side and the read side cannot
 * drift apart.
 */

/**
 * A timeline list entry: a JSON array `[at, state, reason, templateId, channel, messageType,
 * receiver]`. Every entry carries the message's identity so a trace is whole from any entry.
 *
 * @example encodeTimelineEntry(event) // '[1764000000000,"sent","",7,"email","notice","a@x.com"]'
 */
export const encodeTimelineEntry = (e: LifecycleEvent): string =>
  JSON.stringify([e.at, e.state, e.reason, e.templateId, e.channel, e.messageType, e.receiver]);

/**
 * Parses a timeline entry; `undefined` for a malformed one (skipped by reads).
 *
 * @example decodeTimelineEntry('m1', '[5,"sent","",7,"email","notice","a@x.com"]')?.state // 'sent'
 */
export function decodeTimelineEntry(messageId: string, s: string): LifecycleEvent | undefined {
  try {
    const a = JSON.parse(s) as unknown[];
    if (!Array.isArray(a) || typeof a[0] !== 'number' || typeof a[1] !== 'string') return undefined;
    return {
      messageId,
      at: a[0],
      state: a[1] as State,
      reason: String(a[2] ?? ''),
      templateId: Number(a[3]) || 0,
      channel: String(a[4] ?? '') as Channel,
      messageType: String(a[5] ?? '') as MessageType,
      receiver: String(a[6] ?? ''),
    };
  } catch {
    return undefined;
  }
}

/**
 * A receiver-day hash value: `at|state|templateId|channel|reason`. The time comes first because
 * the apply script compares it (a later event wins) without decoding the rest; the reason comes
 * last because it may itself contain `|`.
 *
 * @example encodeLatest({ at: 5, state: 'sent', templateId: 7, channel: 'email', reason: '' }) // '5|sent|7|email|'
 */
export const encodeLatest = (l: LatestState): string =>
  `${l.at}|${l.state}|${l.templateId}|${l.channel}|${l.reason}`;

/**
 * Parses a receiver-day hash value; `undefined` when malformed.
 *
 * @example decodeLatest('5|failed|7|email|smtp 550|x')?.reason // 'smtp 550|x'
 */
export function decodeLatest(s: string): LatestState | undefined {
  const parts = s.split('|');
  if (parts.length < 5) return undefined;
  const [at, state, tpl, channel] = parts as [string, string, string, string];
  return {
    at: Number(at),
    state: state as State,
    templateId: Number(tpl) || 0,
    channel: channel as Channel,
    reason: parts.slice(4).join('|'),
  };
}
