import type { Fields } from '../bus/entry.ts';
import { parseRoute, type Route } from '../domain/channels.ts';
import { type DeadLetterRef, deadLetterId, entryTime } from './ids.ts';

/** A dead letter as listed. */
export type DeadLetter = {
  /** `<route>:<entry id>` (see ./ids.ts). */
  id: string;
  messageId: string;
  route: Route;
  templateId: number;
  receiver: string;
  /** Why it was given up on (`dlq_reason`: the provider's code, `max_deliveries`, `MALFORMED`…). */
  reason: string;
  /** The last error's message (`dlq_message`), '' when none was kept. */
  lastError: string;
  /** The attempt it was given up at. */
  attempts: number;
  /** When it was dead-lettered (ISO 8601, from the entry id). */
  at: string;
  /** The app that sent it; null for platform sends. */
  appId: number | null;
};

/** One dead letter in full: the delivery it holds, without what is secret. */
export type DeadLetterDetail = DeadLetter & {
  channel: string;
  messageType: string;
  requestId: string;
  bizId: string;
  /** When the message was accepted (ISO 8601); null when unknown. */
  acceptedAt: string | null;
  /** The receiver's time zone when the sender gave one. */
  timezone: string | null;
  /** The account an in-doubt retry was pinned to (a replay drops the pin); null when none. */
  pinnedAccountId: number | null;
  /** The template variables; on `auth` routes (verification codes) every value is `***`. */
  variables: Record<string, unknown>;
};

/** What a listing or a bulk replay keeps; `route` and the time range bound the stream reads. */
export type DeadLetterFilter = Readonly<{
  route?: Route | undefined;
  templateId?: number | undefined;
  reason?: string | undefined;
  /** Dead-lettered at or after (ms). */
  from?: number | undefined;
  /** Dead-lettered before (ms). */
  to?: number | undefined;
  /** Only this app's (every caller that is an app gets this set to its own id). */
  appId?: number | undefined;
}>;

/** Fields the dead-lettering adds to a delivery; a replay drops them. */
const DLQ_FIELDS = new Set(['dlq_reason', 'dlq_message']);

const appOf = (f: Fields): number | null => (f.app && Number(f.app) > 0 ? Number(f.app) : null);

/**
 * Whether a dead letter passes the filter's field tests (template, reason, app). The route and
 * the time range are applied by the stream read itself.
 *
 * @example matches({ tpl: '3', dlq_reason: 'SMTP_550', app: '2' }, { templateId: 3, appId: 2 }) // true
 */
export function matches(f: Fields, filter: DeadLetterFilter): boolean {
  if (filter.templateId !== undefined && Number(f.tpl) !== filter.templateId) return false;
  if (filter.reason !== undefined && (f.dlq_reason ?? '') !== filter.reason) return false;
  if (filter.appId !== undefined && appOf(f) !== filter.appId) return false;
  return true;
}

/**
 * Whether an app (undefined: the admin) may see a dead letter: only the app that sent it.
 *
 * @example visibleTo({ app: '2' }, 3) // false
 */
export const visibleTo = (f: Fields, appId: number | undefined): boolean =>
  appId === undefined || appOf(f) === appId;

/**
 * The listing view of a dead-letter entry (tolerant of malformed entries: missing fields are empty).
 *
 * @example toItem({ route: 'email.notice', entryId: '1764000000000-0' }, { id: 'm1', tpl: '3', rcv: 'a@x.com', att: '5', dlq_reason: 'SMTP_451' })
 */
export function toItem(ref: DeadLetterRef, f: Fields): DeadLetter {
  return {
    id: deadLetterId(ref),
    messageId: f.id ?? '',
    route: ref.route,
    templateId: Number(f.tpl) || 0,
    receiver: f.rcv ?? '',
    reason: f.dlq_reason ?? '',
    lastError: f.dlq_message ?? '',
    attempts: Math.max(1, Number(f.att) || 1),
    at: new Date(entryTime(ref.entryId)).toISOString(),
    appId: appOf(f),
  };
}

function variablesOf(raw: string | undefined, secret: boolean): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw ?? '{}');
  } catch {
    return {};
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  // Verification codes are the secret of an `auth` message: an operator sees their names only.
  return secret ? Object.fromEntries(Object.keys(v).map((k) => [k, '***'])) : (v as Record<string, unknown>);
}

/**
 * The full view of a dead-letter entry (the delivery's fields, named as the API names them).
 *
 * @example toDetail(ref, fields).variables // { code: '***' } on an `auth` route
 */
export function toDetail(ref: DeadLetterRef, f: Fields): DeadLetterDetail {
  const { channel, messageType } = parseRoute(ref.route)!;
  const accepted = Number(f.at);
  return {
    ...toItem(ref, f),
    channel,
    messageType,
    requestId: f.req ?? '',
    bizId: f.biz ?? '',
    acceptedAt: accepted > 0 ? new Date(accepted).toISOString() : null,
    timezone: f.tz || null,
    pinnedAccountId: Number(f.pin) > 0 ? Number(f.pin) : null,
    variables: variablesOf(f.vars, messageType === 'auth'),
  };
}

/**
 * The delivery stream fields of a replay: the dead letter's delivery with a fresh attempt
 * budget (attempt 1), without the in-doubt pin (the replay may go through any account) and
 * without the dead-lettering fields.
 *
 * @example replayFields({ id: 'm1', att: '5', pin: '3', dlq_reason: 'X' }) // ['id', 'm1', 'att', '1']
 */
export function replayFields(f: Fields): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (DLQ_FIELDS.has(k) || k === 'pin') continue;
    out.push(k, k === 'att' ? '1' : v);
  }
  if (!('att' in f)) out.push('att', '1');
  return out;
}
