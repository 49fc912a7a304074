import { type Insertable, type Selectable, sql } from 'kysely';
import type { Db, Dialect } from './db.ts';
import type { SmsRecordsTable } from './schema.ts';

/**
 * One SMS send as the records keep it (DESIGN.md "Storage"): which provider and account sent
 * it, the provider's id (what receipts name), billed segments, status and receipt time.
 *
 * @example { messageId: '01K…', templateId: 3, accountId: 2, phone: '+8613800138000', provider: 'tencent',
 *   providerMessageId: 'sn-1', status: 'delivered', statusCode: 'DELIVRD', sentAt: 1, receiptAt: 2, segments: 1, appId: 4 }
 */
export type SmsRecord = Readonly<{
  messageId: string;
  templateId: number;
  accountId: number;
  phone: string;
  provider: string;
  providerMessageId: string | null;
  /** `sent`, then `delivered` or `failed` by receipt; `failed` alone when no provider took it. */
  status: string;
  statusCode: string | null;
  sentAt: number;
  receiptAt: number | null;
  segments: number | null;
  appId: number | null;
}>;

/** A change to a message's record, folded from one lifecycle event (see pkg/sms-records). */
export type SmsRecordChange =
  | Readonly<{ kind: 'sent'; record: SmsRecord }>
  /** A receipt (`delivered`/`failed` after `sent`) or a failure before any provider took it. */
  | Readonly<{ kind: 'status'; record: SmsRecord }>;

const row = (r: SmsRecord): Insertable<SmsRecordsTable> => ({
  message_id: r.messageId,
  template_id: r.templateId,
  account_id: r.accountId,
  phone: r.phone,
  provider: r.provider,
  provider_message_id: r.providerMessageId,
  status: r.status,
  status_code: r.statusCode?.slice(0, 64) ?? null,
  status_message: null,
  sent_at: r.sentAt,
  receipt_at: r.receiptAt,
  segments: r.segments,
  app_id: r.appId,
});

/**
 * Repository of SMS records. Writes are upserts keyed by message id that commute: a `sent`
 * change sets the provider id, segments and send time and leaves a status a receipt already
 * set; a status change sets status, code and receipt time. So the record writer may apply the
 * events of one message in any order, and again after a crash, and ends with the same row.
 *
 * @example
 * const records = createSmsRecordsRepo(db, 'sqlite');
 * await records.apply([{ kind: 'sent', record }]);
 * await records.byProviderId(2, 'sn-1', '+8613800138000') // the record
 */
export function createSmsRecordsRepo(db: Db, dialect: Dialect) {
  /** `excluded.col` (SQLite) / `VALUES(col)` (MySQL): the value the conflicting insert carried. */
  const incoming = (col: keyof SmsRecordsTable) =>
    dialect === 'mysql' ? sql.raw(`VALUES(\`${col}\`)`) : sql.raw(`excluded."${col}"`);
  const upsert = (rows: Insertable<SmsRecordsTable>[], set: (keyof SmsRecordsTable)[]) => {
    const values = Object.fromEntries(set.map((c) => [c, incoming(c)]));
    const q = db.insertInto('sms_records').values(rows);
    return dialect === 'mysql'
      ? q.onDuplicateKeyUpdate(values).execute()
      : q.onConflict((oc) => oc.column('message_id').doUpdateSet(values)).execute();
  };

  return Object.freeze({
    /** Applies changes (any order, any repeat). */
    async apply(changes: readonly SmsRecordChange[]): Promise<void> {
      const sent = changes.filter((c) => c.kind === 'sent').map((c) => row(c.record));
      const status = changes.filter((c) => c.kind === 'status').map((c) => row(c.record));
      if (sent.length)
        await upsert(sent, ['provider_message_id', 'segments', 'sent_at', 'account_id', 'provider']);
      if (status.length) await upsert(status, ['status', 'status_code', 'receipt_at']);
    },

    /**
     * The record a receipt names: by account, the provider's id and the number (Aliyun gives one
     * id to every number of a call).
     */
    async byProviderId(
      accountId: number,
      providerMessageId: string,
      phone?: string,
    ): Promise<SmsRecord | undefined> {
      const r = await db
        .selectFrom('sms_records')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('provider_message_id', '=', providerMessageId)
        .$if(phone !== undefined, (q) => q.where('phone', '=', phone!))
        .limit(1)
        .executeTakeFirst();
      return r && toRecord(r);
    },

    /** The record of a message. */
    async get(messageId: string): Promise<SmsRecord | undefined> {
      const r = await db
        .selectFrom('sms_records')
        .selectAll()
        .where('message_id', '=', messageId)
        .executeTakeFirst();
      return r && toRecord(r);
    },

    /** Sends of an account still waiting for a receipt, oldest first, sent after `since`. */
    async pending(accountId: number, since: number, limit: number): Promise<SmsRecord[]> {
      const rows = await db
        .selectFrom('sms_records')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('status', '=', 'sent')
        .where('sent_at', '>=', since)
        .orderBy('sent_at')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },
  });
}

function toRecord(r: Selectable<SmsRecordsTable>): SmsRecord {
  return {
    messageId: r.message_id,
    templateId: Number(r.template_id),
    accountId: Number(r.account_id),
    phone: r.phone,
    provider: r.provider,
    providerMessageId: r.provider_message_id,
    status: r.status,
    statusCode: r.status_code,
    sentAt: Number(r.sent_at),
    receiptAt: r.receipt_at === null ? null : Number(r.receipt_at),
    segments: r.segments === null ? null : Number(r.segments),
    appId: r.app_id === null ? null : Number(r.app_id),
  };
}

export type SmsRecordsRepo = ReturnType<typeof createSmsRecordsRepo>;
