import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import { insertedId } from './repo-kit.ts';
import type { SmsRecordsTable } from './schema.ts';

/**
 * One SMS sent through a provider, and what its receipt said. SMS providers report delivery
 * asynchronously (push callbacks or pulled receipts), matched by the provider's message id.
 */
export type SmsRecord = {
  id: number;
  messageId: string;
  templateId: number;
  accountId: number;
  phone: string;
  provider: string;
  providerMessageId: string | null;
  /** `sent` at insert; receipts move it to e.g. `delivered` / `failed`. */
  status: string;
  statusCode: string | null;
  statusMessage: string | null;
  sentAt: number;
  receiptAt: number | null;
};

export type SmsRecordInsert = Omit<
  SmsRecord,
  'id' | 'receiptAt' | 'providerMessageId' | 'statusCode' | 'statusMessage'
> &
  Partial<Pick<SmsRecord, 'providerMessageId' | 'statusCode' | 'statusMessage'>>;

/** A provider receipt for one sent SMS. */
export type SmsReceipt = {
  provider: string;
  providerMessageId: string;
  status: string;
  statusCode?: string | null;
  statusMessage?: string | null;
  /** When the provider says the receipt happened (ms). */
  at: number;
};

const toRecord = (r: Selectable<SmsRecordsTable>): SmsRecord => ({
  id: Number(r.id),
  messageId: r.message_id,
  templateId: Number(r.template_id),
  accountId: Number(r.account_id),
  phone: r.phone,
  provider: r.provider,
  providerMessageId: r.provider_message_id,
  status: r.status,
  statusCode: r.status_code,
  statusMessage: r.status_message,
  sentAt: Number(r.sent_at),
  receiptAt: r.receipt_at === null ? null : Number(r.receipt_at),
});

/** Provider texts can be long; the column holds 512 characters. */
const clip = (s: string | null | undefined, n: number): string | null => (s == null ? null : s.slice(0, n));

/**
 * Repository of SMS send records and their receipts.
 *
 * @example
 * const sms = createSmsRecordsRepo(db);
 * await sms.insert({ messageId: 'm1', templateId: 1, accountId: 2, phone: '+8613800138000',
 *   provider: 'tencent', providerMessageId: 'sid-1', status: 'sent', sentAt: Date.now() });
 * await sms.applyReceipt({ provider: 'tencent', providerMessageId: 'sid-1', status: 'delivered', at: Date.now() });
 */
export function createSmsRecordsRepo(db: Db) {
  const byProvider = (provider: string, providerMessageId: string) =>
    db
      .selectFrom('sms_records')
      .selectAll()
      .where('provider', '=', provider)
      .where('provider_message_id', '=', providerMessageId)
      .orderBy('id', 'desc')
      .executeTakeFirst();

  return {
    /** Records a send; returns the stored record. */
    async insert(rec: SmsRecordInsert): Promise<SmsRecord> {
      const r = await db
        .insertInto('sms_records')
        .values({
          message_id: rec.messageId,
          template_id: rec.templateId,
          account_id: rec.accountId,
          phone: rec.phone,
          provider: rec.provider,
          provider_message_id: rec.providerMessageId ?? null,
          status: rec.status,
          status_code: clip(rec.statusCode, 64),
          status_message: clip(rec.statusMessage, 512),
          sent_at: rec.sentAt,
          receipt_at: null,
        })
        .executeTakeFirstOrThrow();
      const row = await db
        .selectFrom('sms_records')
        .selectAll()
        .where('id', '=', insertedId(r))
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    /** The record of a provider's message id (the latest when a provider reused one). */
    async findByProvider(provider: string, providerMessageId: string): Promise<SmsRecord | undefined> {
      const r = await byProvider(provider, providerMessageId);
      return r && toRecord(r);
    },

    /**
     * Applies a receipt. Idempotent and order-safe: a receipt older than (or as old as) the one
     * already applied changes nothing, so re-pulled or re-pushed receipts are harmless.
     * Returns the record after the call, or undefined when no record matches (yet).
     */
    async applyReceipt(rc: SmsReceipt): Promise<{ record: SmsRecord; applied: boolean } | undefined> {
      const cur = await byProvider(rc.provider, rc.providerMessageId);
      if (!cur) return undefined;
      const res = await db
        .updateTable('sms_records')
        .set({
          status: rc.status,
          status_code: clip(rc.statusCode, 64),
          status_message: clip(rc.statusMessage, 512),
          receipt_at: rc.at,
        })
        .where('id', '=', cur.id)
        .where((eb) => eb.or([eb('receipt_at', 'is', null), eb('receipt_at', '<', rc.at)]))
        .executeTakeFirst();
      const after = await db
        .selectFrom('sms_records')
        .selectAll()
        .where('id', '=', cur.id)
        .executeTakeFirstOrThrow();
      return { record: toRecord(after), applied: Number(res.numUpdatedRows) > 0 };
    },

    /** A phone's records with `from <= sentAt < to`, oldest first, at most `limit`. */
    async listByPhone(phone: string, from: number, to: number, limit = 1000): Promise<SmsRecord[]> {
      const rs = await db
        .selectFrom('sms_records')
        .selectAll()
        .where('phone', '=', phone)
        .where('sent_at', '>=', from)
        .where('sent_at', '<', to)
        .orderBy('sent_at')
        .orderBy('id')
        .limit(Math.max(1, Math.min(10_000, limit)))
        .execute();
      return rs.map(toRecord);
    },
  };
}

export type SmsRecordsRepo = ReturnType<typeof createSmsRecordsRepo>;
