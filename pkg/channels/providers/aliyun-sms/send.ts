import { isPhone } from '../../../domain/receivers.ts';
import { callGroups } from '../../call-groups.ts';
import type { SendOutcome } from '../../definition.ts';
import { fromProviderNumber } from '../../sms/phone.ts';
import type { AliyunApi, CallResult } from './api.ts';

/** Max numbers in one SendSms `PhoneNumbers` (§2.4). */
export const ALIYUN_MAX_PHONES = 1000;
/** Max numbers in one SendBatchSms `PhoneNumberJson` (§2.5). */
export const ALIYUN_MAX_BATCH_PHONES = 100;

/**
 * A receiver in E.164, or `undefined` when it is no phone number. Receivers arrive in E.164;
 * a bare mainland number (`13800138000`, `8613800138000`) is read as +86.
 *
 * @example e164Of('13800138000') // '+8613800138000'
 * @example e164Of('+85291234567') // '+85291234567'
 * @example e164Of('hello') // undefined
 */
export function e164Of(receiver: string): string | undefined {
  const r = receiver.trim();
  if (!isPhone(r)) return undefined;
  return r.startsWith('+') ? r : fromProviderNumber(r);
}

/**
 * Groups numbers into calls (indexes into `numbers`): at most `max` each, and a number twice
 * goes into another call. Receipts name a send by BizId and number, so one call naming a
 * number twice would leave two deliveries with one receipt. `undefined` (a receiver that is
 * no phone number) goes into none.
 *
 * @example phoneGroups(['138', '139', '138', undefined], 1000) // [[0, 1], [2]]
 */
export function phoneGroups(numbers: readonly (string | undefined)[], max: number): number[][] {
  return callGroups(numbers, { max }).map((g) => g.idx);
}

/** Every number of a call gets the call's fate: its BizId on success, its failure otherwise. */
function outcomesOf(r: CallResult, count: number): SendOutcome[] {
  if (!r.ok) return Array.from({ length: count }, () => r);
  const bizId = typeof r.answer.BizId === 'string' && r.answer.BizId ? r.answer.BizId : undefined;
  const ok: SendOutcome = Object.freeze(bizId ? { ok: true, providerMessageId: bizId } : { ok: true });
  return Array.from({ length: count }, () => ok);
}

/** One SendSms: many numbers, one sign name, one template and one parameter set. */
export type SendSmsInput = Readonly<{
  /** Numbers in Aliyun's form (pkg/channels/sms/phone.ts `aliyunNumber`), at most 1000. */
  numbers: readonly string[];
  signName: string;
  templateCode: string;
  params: Readonly<Record<string, string>>;
  /** Echoed in receipts (`out_id`): our message id when the call carries one number. */
  outId?: string;
}>;

/**
 * Sends one SendSms call (§2.4). A `Code` other than `OK` fails the whole call, so every number
 * gets the same outcome; on success every number's `providerMessageId` is the call's BizId
 * (receipts are matched by BizId and number).
 *
 * @example
 * const [a, b] = await sendSms(api, { numbers: ['13800138000', '85291234567'], signName: '阿里云',
 *   templateCode: 'SMS_1', params: { code: '1234' } });
 * // a.ok && a.providerMessageId === b.providerMessageId
 */
export async function sendSms(api: AliyunApi, input: SendSmsInput): Promise<SendOutcome[]> {
  const params: Record<string, string> = {
    PhoneNumbers: input.numbers.join(','),
    SignName: input.signName,
    TemplateCode: input.templateCode,
  };
  // A template without variables takes no TemplateParam (the SDK omits it too).
  if (Object.keys(input.params).length > 0) params.TemplateParam = JSON.stringify(input.params);
  if (input.outId) params.OutId = input.outId;
  return outcomesOf(await api.call('SendSms', params, { sends: true }), input.numbers.length);
}

/** One number of a SendBatchSms call, with its own sign name and parameters. */
export type BatchSmsItem = Readonly<{
  number: string;
  signName: string;
  params: Readonly<Record<string, string>>;
}>;

/**
 * Sends one SendBatchSms call (§2.5): up to 100 numbers of one template, each with its own sign
 * name and parameters (`PhoneNumberJson`, `SignNameJson`, `TemplateParamJson`, same length).
 * The answer has the same shape as SendSms', so a refusal fails every number and a success
 * gives them all the BizId. The platform batches only identical content, so the client sends
 * with {@link sendSms}; this is for parameters that differ per number.
 *
 * @example
 * await sendBatchSms(api, { templateCode: 'SMS_1', items: [
 *   { number: '13800138000', signName: '阿里云', params: { name: 'Ann' } },
 *   { number: '13900139000', signName: '阿里云', params: { name: 'Bob' } } ] });
 */
export async function sendBatchSms(
  api: AliyunApi,
  input: Readonly<{ templateCode: string; items: readonly BatchSmsItem[]; outId?: string }>,
): Promise<SendOutcome[]> {
  // Where Alibaba's SDK puts them: TemplateCode and OutId in the query, the arrays in the body.
  const params: Record<string, string> = { TemplateCode: input.templateCode };
  if (input.outId) params.OutId = input.outId;
  const body = {
    PhoneNumberJson: JSON.stringify(input.items.map((i) => i.number)),
    SignNameJson: JSON.stringify(input.items.map((i) => i.signName)),
    TemplateParamJson: JSON.stringify(input.items.map((i) => i.params)),
  };
  return outcomesOf(await api.call('SendBatchSms', params, { body, sends: true }), input.items.length);
}
