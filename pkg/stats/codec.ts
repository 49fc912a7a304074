import type { Channel } from '../domain/channels.ts';
import type { State } from '../domain/states.ts';
import type { LatestState } from './fold.ts';

/**
 * How folded values are stored in Redis. One place, so the apply side and the read side cannot
 * drift apart.
 */

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
