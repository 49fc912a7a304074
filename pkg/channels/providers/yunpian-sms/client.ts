import { isPhone } from '../../../domain/receivers.ts';
import { callGroups } from '../../call-groups.ts';
import type {
  BatchRequest,
  CallbackRequest,
  ProviderClient,
  SendFailure,
  SendOutcome,
} from '../../definition.ts';
import { failure, sendOfBatch } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import type { SmsContent } from '../../sms/content.ts';
import { yunpianNumber } from '../../sms/phone.ts';
import { yunpianCall } from './api.ts';
import type { YunpianConfig } from './config.ts';
import { BAD_RESPONSE, INVALID_NUMBER, NO_SIGNATURE, YUNPIAN_ERRORS } from './errors.ts';
import { parsePush, pullStatus } from './receipts.ts';
import { outcomeOfSingle, outcomesOfBatch } from './results.ts';
import { signedText } from './text.ts';

/** Numbers in one `batch_send.json` call at most (PROVIDERS.md §3.3). */
export const YUNPIAN_MAX_BATCH = 1000;

/** Calls of one `sendBatch` in flight at once. */
const PARALLEL_CALLS = 4;

const CN_MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/;
/** A mainland mobile in Yunpian's form (what {@link yunpianReceiver} makes of `+861…`). */
const MAINLAND_FORM = /^1[3-9]\d{9}$/;

/**
 * A receiver in Yunpian's form (mainland: 11 digits, others: E.164 with `+`), `undefined` when
 * it is not a phone number. A bare mainland number is read as +86, as the platform does.
 *
 * @example yunpianReceiver('+8613800138000') // '13800138000'
 * @example yunpianReceiver('+85291234567') // '+85291234567'
 * @example yunpianReceiver('12345') // undefined
 */
export function yunpianReceiver(receiver: string): string | undefined {
  const r = receiver.trim();
  if (!isPhone(r)) return undefined;
  const e164 = CN_MOBILE.test(r) ? `+86${r.slice(-11)}` : r;
  return e164.startsWith('+') ? yunpianNumber(e164) : undefined;
}

/**
 * Groups numbers (Yunpian form; `undefined` = not sendable) into calls, as indexes: mainland
 * numbers into batches of at most 1000 distinct numbers (a number twice in one `mobile` list
 * could not be told apart in the answer), international ones one per call — the SDK documents
 * international SMS as single-number sends ◐.
 *
 * @example sendGroups(['13800138000', '+85291234567', '13800138001', '13800138000']) // [[0, 2], [1], [3]]
 */
export function sendGroups(numbers: readonly (string | undefined)[]): number[][] {
  const groups = callGroups(numbers, { max: YUNPIAN_MAX_BATCH, alone: (n) => !MAINLAND_FORM.test(n) });
  // Batches first, then the single international sends.
  return [...groups.filter((g) => !g.alone), ...groups.filter((g) => g.alone)].map((g) => g.idx);
}

/** A failure that says this account cannot send now: the calls not yet made get it too. */
const stopsAccount = (f: SendFailure): boolean =>
  !f.inDoubt && (f.rateLimited === true || (!f.retryable && f.failover === true));

/**
 * The client of one Yunpian account: the rendered text (signed with `【signName】` when it does
 * not start with a signature) to one number by `single_send.json`, to many by
 * `batch_send.json`; receipts from the pull queue or the push; `user/get.json` as the test.
 *
 * @example
 * const client = createYunpianClient(yunpianConfig.parse({ apiKey: '…', signName: '云片网' }), kit);
 * const [a, b] = await client.sendBatch!({ deliveries: [d1, d2], template, content });
 */
export function createYunpianClient(config: YunpianConfig, kit: Kit): ProviderClient<SmsContent> {
  const base = config.baseUrl.replace(/\/+$/, '');
  const secrets = [config.apiKey];

  const sendGroup = async (numbers: string[], text: string): Promise<SendOutcome[]> => {
    const single = numbers.length === 1;
    const r = await yunpianCall(
      kit.http,
      `${base}/v2/sms/${single ? 'single_send' : 'batch_send'}.json`,
      { apikey: config.apiKey, mobile: numbers.join(','), text },
      { secrets, send: true, timeoutMs: config.timeoutMs },
    );
    if (!r.ok) return numbers.map(() => r);
    return single ? [outcomeOfSingle(r.body, secrets)] : outcomesOfBatch(r.body, numbers, secrets);
  };

  const sendBatch = async (req: BatchRequest<SmsContent>): Promise<readonly SendOutcome[]> => {
    const text = signedText(req.content.text, config.signName);
    if (text === undefined) {
      const f = failure(
        YUNPIAN_ERRORS,
        NO_SIGNATURE,
        'the text has no 【signature】 and the account no signName',
      );
      return req.deliveries.map(() => f);
    }
    const numbers = req.deliveries.map((d) => yunpianReceiver(d.receiver));
    const outcomes: SendOutcome[] = new Array(req.deliveries.length);
    const groups = sendGroups(numbers);
    let stop: SendFailure | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const idx = groups[next++]!;
        const got = stop
          ? idx.map(() => stop!)
          : await sendGroup(
              idx.map((i) => numbers[i]!),
              text,
            );
        idx.forEach((i, j) => {
          outcomes[i] = got[j]!;
        });
        const f = got[0];
        if (idx.length > 0 && f && !f.ok && got.every((o) => o === f) && stopsAccount(f)) stop ??= f;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_CALLS, groups.length) }, worker));
    for (let i = 0; i < outcomes.length; i++) {
      outcomes[i] ??= failure(YUNPIAN_ERRORS, INVALID_NUMBER, 'not a phone number');
    }
    return outcomes;
  };

  return Object.freeze({
    send: sendOfBatch(sendBatch),
    sendBatch,
    receipts: Object.freeze({
      // A queue: what it hands out is deleted there, so `pending` is not needed.
      pull: () => pullStatus(kit.http, base, config.apiKey, kit.now),
      callback: async (req: CallbackRequest) => parsePush(req, kit.now()),
    }),
    // user/get.json reads the account (nick, balance): it proves the apikey and sends nothing.
    async testConnection() {
      const r = await yunpianCall(
        kit.http,
        `${base}/v2/user/get.json`,
        { apikey: config.apiKey },
        { secrets },
      );
      if (!r.ok) return { ok: false, code: r.code, message: r.message } as const;
      if (Array.isArray(r.body))
        return { ok: false, code: BAD_RESPONSE, message: 'user/get answered a list' } as const;
      return { ok: true } as const;
    },
  });
}
