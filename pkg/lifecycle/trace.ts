import type { Channel, MessageType } from '../domain/channels.ts';
import { partitionOf } from '../domain/events.ts';
import type { State } from '../domain/states.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/** One state of a message's timeline. */
export type TimelineItem = { state: State; at: string; reason: string };

/**
 * `GET /v1/messages/:id`: a message's identity, current state and timeline (oldest first). The
 * rendered content is not kept: personal data stays out of traces.
 */
export type MessageTrace = {
  messageId: string;
  templateId: number;
  /** The template's version the message was accepted with (null: not recorded). */
  templateVersion: number | null;
  receiver: string;
  channel: Channel;
  messageType: MessageType;
  /** The app that sent it (null: a platform send). */
  appId: number | null;
  /** The send request it came with, and the caller's business id (null: none). */
  requestId: string | null;
  bizId: string | null;
  /** The channel account and provider of its last attempt (null: never attempted). */
  accountId: number | null;
  provider: string | null;
  state: State;
  timeline: TimelineItem[];
};

/** Separators of the record's `tl` field (scripts/ended.lua writes it). */
const UNIT = '\u001f';
const RECORD = '\u001e';

/**
 * The trace of a message from its ledger record (`HGETALL` of `push:att:{pN}:<id>`), timeline
 * ordered by time (write order on ties); `undefined` for no record or an empty timeline.
 *
 * @example parseTrace('m1', { tpl: '3', rcv: 'a@x.com', ch: 'email', mt: 'notice', tl: '5\u001faccepted\u001f\u001e' })
 * // { messageId: 'm1', templateId: 3, …, state: 'accepted', timeline: [{ state: 'accepted', at: '1970-…', reason: '' }] }
 */
export function parseTrace(messageId: string, r: Readonly<Record<string, string>>): MessageTrace | undefined {
  const items: { at: number; state: State; reason: string }[] = [];
  for (const entry of (r.tl ?? '').split(RECORD)) {
    if (!entry) continue;
    const [at, state, ...reason] = entry.split(UNIT);
    const ms = Number(at);
    if (!state || !Number.isFinite(ms)) continue;
    items.push({ at: ms, state: state as State, reason: reason.join(' ') });
  }
  if (items.length === 0) return undefined;
  // Array.prototype.sort is stable: equal times keep write order.
  items.sort((a, b) => a.at - b.at);
  const num = (v: string | undefined) => (v && Number(v) > 0 ? Number(v) : null);
  return {
    messageId,
    templateId: Number(r.tpl) || 0,
    templateVersion: num(r.tv),
    receiver: r.rcv ?? '',
    channel: (r.ch ?? 'sandbox') as Channel,
    messageType: (r.mt ?? 'notice') as MessageType,
    appId: num(r.app),
    requestId: r.rq || null,
    bizId: r.biz || null,
    accountId: num(r.ac),
    provider: r.pv || null,
    state: items[items.length - 1]!.state,
    timeline: items.map((i) => ({ state: i.state, at: new Date(i.at).toISOString(), reason: i.reason })),
  };
}

/**
 * A message's trace, read from its record in one command; `undefined` when unknown or older
 * than the trace TTL.
 *
 * @example const t = await readTrace({ redis, keys, partitions: 8 }, '01KAQ…'); t?.timeline.map((x) => x.state) // ['accepted', 'sent']
 */
export async function readTrace(
  deps: { redis: Pick<Redis, 'hgetall'>; keys: Keys; partitions: number },
  messageId: string,
): Promise<MessageTrace | undefined> {
  const p = partitionOf(messageId, deps.partitions);
  return parseTrace(messageId, await deps.redis.hgetall(deps.keys.attempt(p, messageId)));
}
