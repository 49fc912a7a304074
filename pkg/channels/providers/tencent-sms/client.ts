import type { Delivery } from '../../../domain/delivery.ts';
import { callGroups } from '../../call-groups.ts';
import type { CallbackRequest, ProviderClient, Receipt, SendOutcome } from '../../definition.ts';
import { sendOfBatch } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import type { SmsContent } from '../../sms/content.ts';
import { isMainland } from '../../sms/phone.ts';
import { tencentApi } from './api.ts';
import type { TencentSmsConfig } from './config.ts';
import { BAD_RESPONSE, INVALID_NUMBER, NO_TEMPLATE, tencentFailure } from './errors.ts';
import { CALLBACK_ACK, receiptsOfCallback, receiptsOfPull } from './receipts.ts';

/** Max numbers in one SendSms `PhoneNumberSet` (§1.4). */
export const TENCENT_MAX_NUMBERS = 200;
/** Max receipts one PullSmsSendStatus answers (`Limit`, §1.7). */
const PULL_LIMIT = 100;
/** Pages per `receipts.pull`, so one pull's work is bounded (the rest waits for the next). */
export const PULL_MAX_PAGES = 50;
/**
 * The number testConnection asks about: a made-up one, so the answer is an empty list that
 * proves only that the signature, the key and the SdkAppId were accepted.
 */
const PROBE_NUMBER = '+8613800000000';

const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * The E.164 number Tencent gets for a receiver, or `undefined` when it cannot take it: not
 * E.164, or a +86 number that is not a mainland mobile (mainland SMS goes to mobiles only).
 *
 * @example tencentNumber('+8613800138000') // '+8613800138000'
 * @example tencentNumber('13800138000') // undefined (receivers arrive in E.164)
 */
export function tencentNumber(receiver: string): string | undefined {
  if (!E164.test(receiver)) return undefined;
  if (receiver.startsWith('+86') && !isMainland(receiver)) return undefined;
  return receiver;
}

/**
 * Groups deliveries into SendSms calls (indexes into `deliveries`): mainland and international
 * numbers never share a call (Tencent refuses mixed sets), at most 200 numbers each, and a number
 * twice in a batch goes into another call, so every answer entry maps back to one delivery.
 * Receivers Tencent cannot take go into none.
 *
 * @example sendGroups(['+8613800138000', '+85291234567', '+8613800138000'].map(toDelivery)) // [[0], [2], [1]]
 */
export function sendGroups(deliveries: readonly Delivery[]): number[][] {
  const keys = deliveries.map((d) => tencentNumber(d.receiver) || undefined);
  const groups = callGroups(keys, {
    max: TENCENT_MAX_NUMBERS,
    kind: (n) => (isMainland(n) ? 'mainland' : 'international'),
  });
  // Mainland calls first (the order the answers are read in does not matter; tests read it).
  return groups
    .sort((a, b) => Number(b.kind === 'mainland') - Number(a.kind === 'mainland'))
    .map((g) => g.idx);
}

type SendStatus = Readonly<{
  SerialNo?: unknown;
  PhoneNumber?: unknown;
  Fee?: unknown;
  Code?: unknown;
  Message?: unknown;
}>;

/**
 * The client of one Tencent Cloud SMS account: SendSms with up to 200 numbers per call,
 * receipts by PullSmsSendStatus (a queue: pulled receipts are gone) or by callback.
 *
 * @example
 * const client = createTencentSmsClient(tencentSmsConfig.parse({ secretId, secretKey, sdkAppId: '1400006666', signName: '腾讯云' }), kit);
 * const [a, b] = await client.sendBatch!({ deliveries: [d1, d2], template, content });
 * // a: { ok: true, providerMessageId: '2433:3376…', segments: 1 }
 */
export function createTencentSmsClient(config: TencentSmsConfig, kit: Kit): ProviderClient<SmsContent> {
  const api = tencentApi(config, kit);

  const sendCall = async (
    numbers: string[],
    content: SmsContent,
    mainland: boolean,
  ): Promise<SendOutcome[]> => {
    const entry = content.providers.tencent;
    if (!entry) return numbers.map(() => tencentFailure(NO_TEMPLATE, 'the template has no Tencent entry'));
    // Tencent requires the signature for mainland SMS only; the account's is a mainland one, so
    // international calls carry a signature only when the template names one for them.
    const signName = mainland ? (entry.signName ?? config.signName) : entry.signName;
    const r = await api.call('SendSms', {
      PhoneNumberSet: numbers,
      SmsSdkAppId: config.sdkAppId,
      TemplateId: entry.templateId,
      TemplateParamSet: entry.params,
      ...(signName ? { SignName: signName } : {}),
    });
    if (!r.ok) return numbers.map(() => r);
    const set = Array.isArray(r.response.SendStatusSet) ? (r.response.SendStatusSet as SendStatus[]) : [];
    const byNumber = new Map(set.map((s) => [s?.PhoneNumber, s] as const));
    return numbers.map((n): SendOutcome => {
      const s = byNumber.get(n);
      if (!s || typeof s.Code !== 'string') {
        return tencentFailure(BAD_RESPONSE, 'SendStatusSet has no entry for the number');
      }
      if (s.Code !== 'Ok') return tencentFailure(s.Code, typeof s.Message === 'string' ? s.Message : '');
      const fee = Number(s.Fee);
      return Object.freeze({
        ok: true as const,
        ...(typeof s.SerialNo === 'string' && s.SerialNo ? { providerMessageId: s.SerialNo } : {}),
        ...(Number.isInteger(fee) && fee > 0 ? { segments: fee } : {}),
      });
    });
  };

  const sendBatch: NonNullable<ProviderClient<SmsContent>['sendBatch']> = async (req) => {
    const outcomes: SendOutcome[] = new Array(req.deliveries.length);
    await Promise.all(
      sendGroups(req.deliveries).map(async (idx) => {
        const numbers = idx.map((i) => req.deliveries[i]!.receiver);
        const got = await sendCall(numbers, req.content, isMainland(numbers[0]!));
        idx.forEach((i, j) => {
          outcomes[i] = got[j]!;
        });
      }),
    );
    // Whatever no call took is a receiver Tencent cannot take.
    for (let i = 0; i < outcomes.length; i++) {
      outcomes[i] ??= tencentFailure(INVALID_NUMBER, 'not an E.164 number Tencent can send to');
    }
    return outcomes;
  };

  return Object.freeze({
    send: sendOfBatch(sendBatch),
    sendBatch,
    receipts: Object.freeze({
      // A queue: every page pulled is consumed, so a failure after the first page returns what
      // was already taken rather than dropping it; `pending` is not needed.
      async pull(): Promise<readonly Receipt[]> {
        const out: Receipt[] = [];
        for (let page = 0; page < PULL_MAX_PAGES; page++) {
          const r = await api.call('PullSmsSendStatus', { Limit: PULL_LIMIT, SmsSdkAppId: config.sdkAppId });
          const set = r.ok ? r.response.PullSmsSendStatusSet : undefined;
          if (!Array.isArray(set)) {
            if (page === 0)
              throw new Error(`PullSmsSendStatus failed: ${r.ok ? BAD_RESPONSE : `${r.code} ${r.message}`}`);
            break;
          }
          out.push(...receiptsOfPull(set, kit.now()));
          if (set.length < PULL_LIMIT) break;
        }
        return out;
      },
      async callback(req: CallbackRequest) {
        const receipts = receiptsOfCallback(req.body, kit.now());
        if (!receipts)
          return { ok: false as const, message: 'not a Tencent SMS receipt push (a JSON array)' };
        return { receipts, reply: { status: 200, body: CALLBACK_ACK } };
      },
    }),
    // One read of one made-up number's status over the last minute: signed like every call,
    // sends nothing and consumes no receipts (unlike PullSmsSendStatus).
    async testConnection() {
      const now = Math.floor(kit.now() / 1000);
      const r = await api.call('PullSmsSendStatusByPhoneNumber', {
        BeginTime: now - 60,
        EndTime: now,
        Offset: 0,
        Limit: 1,
        PhoneNumber: PROBE_NUMBER,
        SmsSdkAppId: config.sdkAppId,
      });
      return r.ok ? ({ ok: true } as const) : ({ ok: false, code: r.code, message: r.message } as const);
    },
  });
}
