import type {
  CallbackRequest,
  CallbackResult,
  PendingReceipt,
  Receipt,
  SendFailure,
} from '../../definition.ts';
import { aliyunNumber, fromProviderNumber } from '../../sms/phone.ts';
import type { AliyunApi } from './api.ts';
import { e164Of } from './send.ts';
import { parseShanghaiTime, shanghaiDate } from './time.ts';

/**
 * Delivery receipts of Alibaba Cloud SMS, both ways Alibaba offers them: pulled per sent
 * message with QuerySendDetails (§2.6; one number and BizId per query), and pushed to our
 * callback as an SmsReport JSON array (§2.7, unsigned; the route checks its token first).
 */

/** Queries per pull at most (the scheduler's pending page is bounded too; QPS limit is 5000/s). */
export const MAX_QUERIES_PER_PULL = 100;
/** Queries in flight at once. */
const CONCURRENCY = 8;
/** QuerySendDetails finds records of the last 30 days only. */
const QUERY_WINDOW_MS = 30 * 86_400_000;
/** A send this close to Beijing midnight may be recorded under the next day at Alibaba. */
const MIDNIGHT_SLACK_MS = 5 * 60_000;

/** SendStatus values (official QuerySendDetails docs: 1 waiting for receipt, 2 failed, 3 delivered). */
const DELIVERED = 3;
const FAILED = 2;

/** The ack body Alibaba expects; anything else makes it retry at 1, 5 and 10 minutes. */
export const SMS_REPORT_ACK = Object.freeze({ code: 0, msg: '接收成功' });

type Detail = Readonly<Record<string, unknown>>;

/** The detail records of a QuerySendDetails answer (`SmsSendDetailDTOs.SmsSendDetailDTO`). */
function detailsOf(answer: Readonly<Record<string, unknown>>): Detail[] {
  const dtos = answer.SmsSendDetailDTOs as { SmsSendDetailDTO?: unknown } | unknown[] | undefined;
  const list = Array.isArray(dtos) ? dtos : dtos?.SmsSendDetailDTO;
  return Array.isArray(list) ? list.filter((d): d is Detail => !!d && typeof d === 'object') : [];
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Pulls the receipts of `pending` sends, one QuerySendDetails per send (PhoneNumber, BizId,
 * SendDate in Beijing time, PageSize 50, CurrentPage 1): SendStatus 3 → delivered, 2 → failed
 * with its ErrCode as the reason, 1 (still waiting) → no receipt yet. A failed query leaves its
 * send pending for the next pull; when every query failed the pull throws, so the failure is
 * logged rather than looking like "nothing arrived".
 *
 * @example const receipts = await pullReceipts(api, now, [{ providerMessageId: '123^0', receiver: '+8613800138000', sentAt }]);
 */
export async function pullReceipts(
  api: AliyunApi,
  now: number,
  pending: readonly PendingReceipt[],
): Promise<Receipt[]> {
  const items = pending.slice(0, MAX_QUERIES_PER_PULL).filter((p) => now - p.sentAt < QUERY_WINDOW_MS);
  const receipts: Receipt[] = [];
  const failures: SendFailure[] = [];
  await eachLimited(items, CONCURRENCY, async (p) => {
    const e164 = e164Of(p.receiver);
    if (!e164 || !p.providerMessageId) return;
    const number = aliyunNumber(e164);
    const dates = [...new Set([shanghaiDate(p.sentAt), shanghaiDate(p.sentAt + MIDNIGHT_SLACK_MS)])];
    for (const date of dates) {
      const r = await api.call('QuerySendDetails', {
        PhoneNumber: number,
        BizId: p.providerMessageId,
        SendDate: date,
        PageSize: '50',
        CurrentPage: '1',
      });
      if (!r.ok) {
        failures.push(r);
        return;
      }
      const d = detailsOf(r.answer).find((x) => fromProviderNumber(String(x.PhoneNum ?? '')) === e164);
      if (!d) continue;
      const status = Number(d.SendStatus);
      if (status !== DELIVERED && status !== FAILED) return;
      const errCode = typeof d.ErrCode === 'string' && d.ErrCode ? d.ErrCode : undefined;
      receipts.push(
        Object.freeze({
          providerMessageId: p.providerMessageId,
          receiver: e164,
          state: status === DELIVERED ? 'delivered' : 'failed',
          at: parseShanghaiTime(d.ReceiveDate) ?? parseShanghaiTime(d.SendDate) ?? now,
          reason: errCode ?? (status === DELIVERED ? 'DELIVERED' : 'FAILED'),
        }),
      );
      return;
    }
  });
  if (items.length > 0 && failures.length === items.length) {
    const f = failures[0]!;
    throw new Error(`QuerySendDetails failed for every pending send: ${f.code} ${f.message}`);
  }
  return receipts;
}

/**
 * Reads an SmsReport push (§2.7): a JSON array of `{ phone_number, success, err_code,
 * report_time, biz_id, out_id, … }`, answered with `{"code":0,"msg":"接收成功"}`. `out_id` is our
 * message id when the send carried one number. A body of another shape → `{ ok: false }`.
 *
 * @example
 * parseSmsReport({ headers: {}, query: {}, body: '[{"phone_number":"13800138000","success":true,'
 *   + '"err_code":"DELIVERED","report_time":"2024-01-02 00:30:00","biz_id":"123^0","out_id":""}]' }, Date.now())
 * // { receipts: [{ providerMessageId: '123^0', receiver: '+8613800138000', state: 'delivered', … }], reply: … }
 */
export function parseSmsReport(
  req: CallbackRequest,
  now: number,
): CallbackResult | { ok: false; message: string } {
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    return { ok: false, message: 'SmsReport body is not JSON' };
  }
  if (!Array.isArray(body)) return { ok: false, message: 'SmsReport body is not a JSON array' };
  const receipts: Receipt[] = [];
  for (const item of body as unknown[]) {
    const r = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    const number =
      typeof r.phone_number === 'string' || typeof r.phone_number === 'number' ? String(r.phone_number) : '';
    if (typeof r.biz_id !== 'string' || !r.biz_id || !/^\+?\d{6,20}$/.test(number.trim())) {
      return { ok: false, message: 'SmsReport item without biz_id or phone_number' };
    }
    const delivered = r.success === true || r.success === 'true';
    const outId = typeof r.out_id === 'string' && r.out_id ? r.out_id : undefined;
    receipts.push(
      Object.freeze({
        ...(outId ? { messageId: outId } : {}),
        providerMessageId: r.biz_id,
        receiver: fromProviderNumber(number),
        state: delivered ? 'delivered' : 'failed',
        at: parseShanghaiTime(r.report_time) ?? parseShanghaiTime(r.send_time) ?? now,
        reason:
          typeof r.err_code === 'string' && r.err_code ? r.err_code : delivered ? 'DELIVERED' : 'FAILED',
      }),
    );
  }
  return Object.freeze({
    receipts: Object.freeze(receipts),
    reply: Object.freeze({ status: 200, body: SMS_REPORT_ACK }),
  });
}
