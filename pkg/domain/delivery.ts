import type { Channel, MessageType } from './channels.ts';

/**
 * One delivery = one message to one receiver: the unit that travels through a delivery stream.
 * Field names on the wire (stream entry fields) are fixed by DESIGN.md; see {@link encodeDelivery}.
 */
export type Delivery = Readonly<{
  /** Message id (time-sortable). */
  id: string;
  requestId: string;
  templateId: number;
  channel: Channel;
  messageType: MessageType;
  receiver: string;
  variables: Readonly<Record<string, unknown>>;
  bizId: string;
  /** 1-based attempt number. */
  attempt: number;
  /** W3C traceparent, empty when none. */
  traceparent: string;
  /** Accepted time, ms since epoch. */
  acceptedAt: number;
  /** Receiver's IANA time zone when the sender gave one (quiet hours). */
  timezone?: string;
  /** The app that sent it; absent for platform sends (cron, admin). Its events carry it. */
  appId?: number;
  /**
   * The account a retry must go through: set after an in-doubt attempt (a timeout after the
   * request went out), so the retry never goes to another provider and sends twice.
   */
  pinnedAccountId?: number;
}>;

/** Flat stream-entry fields of a delivery. */
export function encodeDelivery(d: Delivery): string[] {
  const f = [
    'id',
    d.id,
    'req',
    d.requestId,
    'tpl',
    String(d.templateId),
    'rcv',
    d.receiver,
    'vars',
    JSON.stringify(d.variables),
    'biz',
    d.bizId,
    'att',
    String(d.attempt),
    'tp',
    d.traceparent,
    'at',
    String(d.acceptedAt),
    // Always present ('' for platform sends): entries with one field set compress in a stream.
    'app',
    d.appId === undefined ? '' : String(d.appId),
  ];
  if (d.timezone) f.push('tz', d.timezone);
  if (d.pinnedAccountId) f.push('pin', String(d.pinnedAccountId));
  return f;
}

/**
 * Parses stream-entry fields back into a delivery; `undefined` when the entry is malformed
 * (such entries are dead-lettered, never retried).
 */
export function decodeDelivery(
  channel: Channel,
  messageType: MessageType,
  fields: Readonly<Record<string, string>>,
): Delivery | undefined {
  const { id, req, tpl, rcv, vars, biz, att, tp, at, tz, app, pin } = fields;
  if (!id || !tpl || rcv === undefined || !vars) return undefined;
  let variables: Record<string, unknown>;
  try {
    const v = JSON.parse(vars);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    variables = v;
  } catch {
    return undefined;
  }
  const templateId = Number(tpl);
  if (!Number.isSafeInteger(templateId)) return undefined;
  return {
    id,
    requestId: req ?? '',
    templateId,
    channel,
    messageType,
    receiver: rcv,
    variables,
    bizId: biz ?? '',
    attempt: Math.max(1, Number(att) || 1),
    traceparent: tp ?? '',
    acceptedAt: Number(at) || 0,
    ...(tz ? { timezone: tz } : {}),
    ...(app ? { appId: Number(app) } : {}),
    ...(pin && Number(pin) > 0 ? { pinnedAccountId: Number(pin) } : {}),
  };
}

/** Converts a flat `[k, v, k, v]` list (as ioredis returns) into a record. */
export function fieldsToRecord(flat: readonly string[]): Record<string, string> {
  const r: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) r[flat[i]!] = flat[i + 1]!;
  return r;
}
