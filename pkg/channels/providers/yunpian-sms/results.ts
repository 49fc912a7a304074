import type { SendOutcome } from '../../definition.ts';
import { failure } from '../../definition.ts';
import { scrub } from '../../kit/scrub.ts';
import { fromProviderNumber } from '../../sms/phone.ts';
import { answerText, errorCode } from './api.ts';
import { BAD_RESPONSE, YUNPIAN_ERRORS } from './errors.ts';

/**
 * Send results as Yunpian gives them (PROVIDERS.md §3.4): one number's result
 * `{ code, msg, count, fee, unit, mobile, sid }` is the whole `single_send` answer, and each
 * element of `batch_send`'s `data`. `sid` is the id receipts name, `count` the billed parts.
 */

type NumberResult = Readonly<{
  code?: unknown;
  msg?: unknown;
  count?: unknown;
  sid?: unknown;
  mobile?: unknown;
}>;

/**
 * The outcome of one number's result: `code` 0 (or absent, as the SDK reads v2 answers) is a
 * send with its sid and segment count; any other code is classified by the error table.
 *
 * @example outcomeOfSingle({ code: 0, msg: '发送成功', count: 1, fee: 0.05, sid: '9527' }, [])
 * // { ok: true, providerMessageId: '9527', segments: 1 }
 */
export function outcomeOfSingle(result: unknown, secrets: readonly string[]): SendOutcome {
  if (!result || typeof result !== 'object' || Array.isArray(result)) {
    return failure(YUNPIAN_ERRORS, BAD_RESPONSE, 'a send result is not an object', { inDoubt: true });
  }
  const r = result as NumberResult;
  const code = errorCode(r) ?? 0;
  if (code !== 0) {
    return failure(YUNPIAN_ERRORS, String(code), scrub(answerText(r), secrets) || `code ${code}`);
  }
  const sid = typeof r.sid === 'string' || typeof r.sid === 'number' ? String(r.sid) : '';
  const count = Number(r.count);
  return Object.freeze({
    ok: true as const,
    ...(/^[1-9]\d*$/.test(sid) ? { providerMessageId: sid } : {}),
    ...(Number.isInteger(count) && count > 0 ? { segments: count } : {}),
  });
}

const keyOf = (mobile: unknown): string | undefined =>
  typeof mobile === 'string' && mobile.trim() ? fromProviderNumber(mobile) : undefined;

/**
 * The outcomes of a `batch_send` answer, in the order of `numbers` (as sent). Results are
 * matched by their `mobile` (compared in E.164: Yunpian may drop a `+86`); a result without a
 * mobile is matched by position when `data` has one per number. A number left without a
 * result may have been sent: it is in doubt.
 *
 * @example
 * outcomesOfBatch({ total_count: 2, data: [{ code: 0, mobile: '13800138000', sid: '1', count: 1 },
 *   { code: 2, msg: '手机号格式不正确', mobile: '1380013800', sid: '0', count: 0 }] }, ['13800138000', '1380013800'], [])
 * // [{ ok: true, providerMessageId: '1', segments: 1 }, { ok: false, code: '2', … }]
 */
export function outcomesOfBatch(
  body: unknown,
  numbers: readonly string[],
  secrets: readonly string[],
): SendOutcome[] {
  const data = (body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) {
    const f = failure(YUNPIAN_ERRORS, BAD_RESPONSE, 'batch_send answered without data', { inDoubt: true });
    return numbers.map(() => f);
  }
  const byMobile = new Map<string, unknown[]>();
  for (const item of data) {
    const key = keyOf((item as NumberResult | null)?.mobile);
    if (key) byMobile.set(key, [...(byMobile.get(key) ?? []), item]);
  }
  return numbers.map((n, j) => {
    const item =
      byMobile.get(fromProviderNumber(n))?.shift() ??
      (data.length === numbers.length && !keyOf((data[j] as NumberResult | null)?.mobile)
        ? data[j]
        : undefined);
    if (item === undefined) {
      return failure(YUNPIAN_ERRORS, BAD_RESPONSE, 'batch_send answered no result for this number', {
        inDoubt: true,
      });
    }
    return outcomeOfSingle(item, secrets);
  });
}
