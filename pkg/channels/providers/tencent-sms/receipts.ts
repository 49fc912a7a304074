import type { Receipt } from '../../definition.ts';

/**
 * Tencent's delivery receipts, in both forms (PROVIDERS.md §1.7): entries of
 * `PullSmsSendStatusSet` (`PullSmsSendStatus`, API 3.0 field names, `UserReceiveTime` in Unix
 * seconds) and the JSON array Tencent POSTs to a configured callback URL (snake_case fields,
 * `user_receive_time` as `yyyy-MM-dd HH:mm:ss` Beijing time). Both name the send by its
 * `SerialNo` (`sid`), the id `send` returned.
 */

/** The ack body Tencent expects from a callback receiver. */
export const CALLBACK_ACK = Object.freeze({ result: 0, errmsg: 'OK' });

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;
const UTC8_MS = 8 * 3600_000;

/**
 * A `yyyy-MM-dd HH:mm:ss` time of Tencent's (Asia/Shanghai, UTC+8, no DST) as ms since the epoch.
 *
 * @example shanghaiTime('2015-10-17 08:03:04') // Date.UTC(2015, 9, 17, 0, 3, 4)
 */
export function shanghaiTime(text: string): number | undefined {
  const m = LOCAL_TIME.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) - UTC8_MS;
}

/** A receive time in either form (Unix seconds, or Beijing local text); `fallback` when absent. */
function receivedAt(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v * 1000;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v.trim()) && Number(v) > 0) return Number(v) * 1000;
    return shanghaiTime(v) ?? fallback;
  }
  return fallback;
}

const STATES: Readonly<Record<string, Receipt['state']>> = { SUCCESS: 'delivered', FAIL: 'failed' };

const str = (v: unknown): string =>
  typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';

/** E.164 from a country code and a national number (a number already in E.164 is kept). */
function e164(countryCode: string, national: string): string | undefined {
  if (national.startsWith('+')) return national;
  if (!national) return undefined;
  return `+${countryCode.replace(/^\+/, '')}${national}`;
}

const receipt = (
  providerMessageId: string,
  status: string,
  receiver: string | undefined,
  at: number,
  reason: string,
): Receipt | undefined => {
  // Own keys only: a pushed status such as `constructor` is unknown, not Object's.
  const state = Object.hasOwn(STATES, status) ? STATES[status] : undefined;
  if (!providerMessageId || !state) return undefined;
  return Object.freeze({
    providerMessageId,
    ...(receiver ? { receiver } : {}),
    state,
    at,
    ...(reason ? { reason } : {}),
  });
};

/**
 * Receipts of a `PullSmsSendStatusSet`: entries without a `SerialNo` or with a status other than
 * SUCCESS/FAIL are skipped. The reason is `Description` (the carrier's code, e.g. `DELIVRD`).
 *
 * @example receiptsOfPull([{ SerialNo: '2433:1', PhoneNumber: '+8613800138000', ReportStatus: 'SUCCESS',
 *   Description: 'DELIVRD', UserReceiveTime: 1700000000 }], Date.now())
 * // [{ providerMessageId: '2433:1', receiver: '+8613800138000', state: 'delivered', at: 1700000000000, reason: 'DELIVRD' }]
 */
export function receiptsOfPull(set: readonly unknown[], now: number): Receipt[] {
  const out: Receipt[] = [];
  for (const raw of set) {
    if (typeof raw !== 'object' || raw === null) continue;
    const e = raw as Record<string, unknown>;
    const phone = str(e.PhoneNumber);
    const receiver = phone.startsWith('+')
      ? phone
      : e164(str(e.CountryCode), str(e.SubscriberNumber) || phone);
    const status = str(e.ReportStatus);
    const r = receipt(
      str(e.SerialNo),
      status,
      receiver,
      receivedAt(e.UserReceiveTime, now),
      str(e.Description) || status,
    );
    if (r) out.push(r);
  }
  return out;
}

/**
 * Receipts of a callback body (a JSON array; one push may carry many). `undefined` when the body
 * is not Tencent's shape (not a JSON array of objects); entries without `sid` or a known
 * `report_status` are skipped. The reason is `errmsg` (e.g. `DELIVRD`).
 *
 * @example receiptsOfCallback('[{"user_receive_time":"2015-10-17 08:03:04","nationcode":"86","mobile":"13800138000","report_status":"SUCCESS","errmsg":"DELIVRD","description":"ok","sid":"2433:1"}]', Date.now())
 * // [{ providerMessageId: '2433:1', receiver: '+8613800138000', state: 'delivered', at: 1445040184000, reason: 'DELIVRD' }]
 */
export function receiptsOfCallback(body: string, now: number): Receipt[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) {
    return undefined;
  }
  const out: Receipt[] = [];
  for (const e of parsed as Record<string, unknown>[]) {
    const status = str(e.report_status);
    const receiver = e164(str(e.nationcode), str(e.mobile));
    const r = receipt(
      str(e.sid),
      status,
      receiver,
      receivedAt(e.user_receive_time, now),
      str(e.errmsg) || status,
    );
    if (r) out.push(r);
  }
  return out;
}
