import type { CallbackRequest, CallbackResult, Receipt } from '../../definition.ts';
import type { HttpClient } from '../../kit/types.ts';
import { fromProviderNumber } from '../../sms/phone.ts';
import { parseAnswer, yunpianCall } from './api.ts';

/**
 * Yunpian status reports (PROVIDERS.md §3.6): the same objects come from the pull API (a queue:
 * reports handed out are deleted ◐) and from the push to our callback —
 * `{ sid, uid, mobile, report_status: SUCCESS|FAIL, error_msg, error_detail, user_receive_time }`.
 */

/** Reports per pull call: Yunpian's maximum (default 20). */
export const PULL_PAGE_SIZE = 100;
/** Pull calls per `receipts.pull` at most: a full queue drains over several scheduler runs. */
export const PULL_MAX_PAGES = 50;

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/**
 * A Yunpian local time (`yyyy-MM-dd HH:mm:ss`, Asia/Shanghai, UTC+8) as ms since the epoch.
 *
 * @example shanghaiTime('2014-03-17 22:55:21') // Date.UTC(2014, 2, 17, 14, 55, 21)
 * @example shanghaiTime(null) // undefined
 */
export function shanghaiTime(s: unknown): number | undefined {
  const m =
    typeof s === 'string' ? /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(s.trim()) : null;
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const at = Date.UTC(y, mo - 1, d, h, mi, se) - SHANGHAI_OFFSET_MS;
  return Number.isFinite(at) ? at : undefined;
}

const STATES: Readonly<Record<string, Receipt['state']>> = { SUCCESS: 'delivered', FAIL: 'failed' };

/**
 * Receipts of a list of status reports; `undefined` when `list` is not such a list (not an
 * array, or an element that is no report object). Reports with another status than
 * SUCCESS/FAIL are not final and are left out. `now` stands in for a missing receive time.
 *
 * @example
 * receiptsOf([{ sid: '9527', mobile: '13800138000', report_status: 'SUCCESS', error_msg: '',
 *   user_receive_time: '2014-03-17 22:55:21' }], Date.now())
 * // [{ providerMessageId: '9527', receiver: '+8613800138000', state: 'delivered', at: …, reason: 'SUCCESS' }]
 */
export function receiptsOf(list: unknown, now: number): Receipt[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: Receipt[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') return undefined;
    const r = item as Record<string, unknown>;
    const sid = typeof r.sid === 'string' || typeof r.sid === 'number' ? String(r.sid) : '';
    if (!/^\d+$/.test(sid)) return undefined;
    const status = typeof r.report_status === 'string' ? r.report_status.trim().toUpperCase() : '';
    // Own keys only: a pushed status such as `constructor` is unknown, not Object's.
    const state = Object.hasOwn(STATES, status) ? STATES[status] : undefined;
    if (!state) continue;
    const error = typeof r.error_msg === 'string' ? r.error_msg.trim() : '';
    const mobile = typeof r.mobile === 'string' ? r.mobile.trim() : '';
    out.push(
      Object.freeze({
        providerMessageId: sid,
        ...(mobile ? { receiver: fromProviderNumber(mobile) } : {}),
        state,
        at: shanghaiTime(r.user_receive_time) ?? now,
        reason: error || status,
      }),
    );
  }
  return out;
}

/**
 * Drains the account's status-report queue (`pull_status.json`): pages of 100 while pages come
 * back full, at most {@link PULL_MAX_PAGES}. Throws when the first call fails (nothing was
 * handed out); a later failure keeps what earlier pages returned, since those are consumed.
 *
 * @example const receipts = await pullStatus(kit.http, 'https://sms.yunpian.com', apiKey, kit.now);
 */
export async function pullStatus(
  http: HttpClient,
  base: string,
  apiKey: string,
  now: () => number,
): Promise<Receipt[]> {
  const out: Receipt[] = [];
  for (let page = 0; page < PULL_MAX_PAGES; page++) {
    const r = await yunpianCall(
      http,
      `${base}/v2/sms/pull_status.json`,
      { apikey: apiKey, page_size: String(PULL_PAGE_SIZE) },
      { secrets: [apiKey] },
    );
    const got = r.ok ? receiptsOf(r.body, now()) : undefined;
    if (!r.ok || !got) {
      if (out.length > 0) return out;
      throw new Error(
        `yunpian pull_status failed: ${r.ok ? 'answer is not a list of reports' : `${r.code} ${r.message}`}`,
      );
    }
    out.push(...got);
    if ((r.body as unknown[]).length < PULL_PAGE_SIZE) break;
  }
  return out;
}

/**
 * Reads Yunpian's report push: a form body whose `sms_status` field is the URL-encoded JSON
 * array of reports (◐: some senders encode it twice, so a value that is not yet JSON is decoded
 * once more). Yunpian wants the text `SUCCESS` back, else it retries 3 times, 5 minutes apart.
 *
 * @example
 * parsePush({ headers: {}, query: {}, body: `sms_status=${encodeURIComponent(json)}` }, Date.now())
 * // { receipts: [...], reply: { status: 200, body: 'SUCCESS' } }
 */
export function parsePush(
  req: CallbackRequest,
  now: number,
): CallbackResult | { ok: false; message: string } {
  const raw = new URLSearchParams(req.body).get('sms_status');
  if (raw === null) return { ok: false, message: 'not a Yunpian report push: no sms_status field' };
  let text = raw.trim();
  if (!text.startsWith('[')) {
    try {
      text = decodeURIComponent(text).trim();
    } catch {
      return { ok: false, message: 'sms_status is not URL-encoded JSON' };
    }
  }
  const receipts = receiptsOf(parseAnswer(text), now);
  if (!receipts) return { ok: false, message: 'sms_status is not a JSON array of status reports' };
  return Object.freeze({
    receipts: Object.freeze(receipts),
    reply: Object.freeze({ status: 200, body: 'SUCCESS' }),
  });
}
