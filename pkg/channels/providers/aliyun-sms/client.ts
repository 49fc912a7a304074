import type { ProviderClient, SendOutcome, TestResult } from '../../definition.ts';
import { failure, sendOfBatch } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import type { SmsContent } from '../../sms/content.ts';
import { aliyunNumber } from '../../sms/phone.ts';
import { createAliyunApi } from './api.ts';
import type { AliyunSmsConfig } from './config.ts';
import { ALIYUN_SMS_ERRORS, INVALID_NUMBER, NO_TEMPLATE } from './errors.ts';
import { parseSmsReport, pullReceipts } from './receipts.ts';
import { ALIYUN_MAX_PHONES, e164Of, phoneGroups, sendSms } from './send.ts';
import { shanghaiDate } from './time.ts';

/** A made-up mainland number for testConnection's query (nothing is ever sent to it). */
const PROBE_NUMBER = '13000000000';

/**
 * The client of one Alibaba Cloud SMS account. A batch (deliveries sharing template and
 * rendered parameters) goes out as SendSms calls of up to 1000 numbers with one TemplateParam;
 * a number twice in a batch goes into another call, a receiver that is no phone number fails
 * without a call. Receipts: QuerySendDetails per pending send, or the SmsReport push.
 *
 * @example
 * const client = createAliyunSmsClient(aliyunSmsConfig.parse({ accessKeyId, accessKeySecret, signName }), kit);
 * const outcomes = await client.sendBatch!({ deliveries, template, content });
 */
export function createAliyunSmsClient(config: AliyunSmsConfig, kit: Kit): ProviderClient<SmsContent> {
  const api = createAliyunApi(config, kit);

  const sendBatch: NonNullable<ProviderClient<SmsContent>['sendBatch']> = async (req) => {
    const entry = req.content.providers.aliyun;
    if (!entry) {
      const f = failure(ALIYUN_SMS_ERRORS, NO_TEMPLATE, 'the template has no aliyun entry');
      return req.deliveries.map(() => f);
    }
    const numbers = req.deliveries.map((d) => {
      const e164 = e164Of(d.receiver);
      return e164 ? aliyunNumber(e164) : undefined;
    });
    const outcomes: SendOutcome[] = new Array(req.deliveries.length);
    await Promise.all(
      phoneGroups(numbers, ALIYUN_MAX_PHONES).map(async (idx) => {
        const got = await sendSms(api, {
          numbers: idx.map((i) => numbers[i]!),
          signName: entry.signName ?? config.signName,
          templateCode: entry.templateCode,
          params: entry.params,
          // With one number OutId names the delivery, so its receipt finds it without the BizId.
          ...(idx.length === 1 ? { outId: req.deliveries[idx[0]!]!.id } : {}),
        });
        idx.forEach((i, j) => {
          outcomes[i] = got[j]!;
        });
      }),
    );
    for (let i = 0; i < outcomes.length; i++) {
      outcomes[i] ??= failure(ALIYUN_SMS_ERRORS, INVALID_NUMBER, 'receiver is not a phone number');
    }
    return outcomes;
  };

  const client: ProviderClient<SmsContent> = {
    send: sendOfBatch(sendBatch),
    sendBatch,
    receipts: Object.freeze({
      pull: (pending) => pullReceipts(api, kit.now(), pending),
      callback: async (req) => parseSmsReport(req, kit.now()),
    }),
    // A signed QuerySendDetails for a made-up number today: read-only, sends nothing and consumes
    // no receipts; `OK` (with zero records) proves key, secret, signature and permission.
    async testConnection(): Promise<TestResult> {
      const r = await api.call('QuerySendDetails', {
        PhoneNumber: PROBE_NUMBER,
        SendDate: shanghaiDate(kit.now()),
        PageSize: '1',
        CurrentPage: '1',
      });
      return r.ok ? { ok: true } : { ok: false, code: r.code, message: r.message };
    },
  };
  return Object.freeze(client);
}
