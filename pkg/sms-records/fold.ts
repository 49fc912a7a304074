import type { LifecycleEvent } from '../domain/events.ts';
import type { SmsRecordChange } from '../store/sms-records.ts';

/**
 * The change one lifecycle event makes to its message's SMS record, or undefined: `sent` writes
 * the send (provider, account, provider id, segments); a receipt's `delivered`/`failed`, or a
 * `failed` after a provider refused it, writes the status with the provider's code. Events
 * before any account was tried (accepted, filtered, failed without one) make no record.
 *
 * @example recordChangeOf({ channel: 'sms', state: 'sent', accountId: 2, provider: 'tencent', providerMessageId: 'sn', … })
 * // { kind: 'sent', record: { …, status: 'sent', providerMessageId: 'sn' } }
 */
export function recordChangeOf(e: LifecycleEvent): SmsRecordChange | undefined {
  if (e.channel !== 'sms' || !e.accountId) return undefined;
  const base = {
    messageId: e.messageId,
    templateId: e.templateId,
    accountId: e.accountId,
    phone: e.receiver,
    provider: e.provider ?? '',
    sentAt: e.at,
    appId: e.appId ?? null,
  };
  if (e.state === 'sent') {
    return {
      kind: 'sent',
      record: {
        ...base,
        providerMessageId: e.providerMessageId ?? null,
        status: 'sent',
        statusCode: null,
        receiptAt: null,
        segments: e.segments ?? null,
      },
    };
  }
  if (e.state === 'delivered' || e.state === 'failed') {
    return {
      kind: 'status',
      record: {
        ...base,
        providerMessageId: null,
        status: e.state,
        statusCode: e.reason || null,
        receiptAt: e.at,
        segments: null,
      },
    };
  }
  return undefined;
}
