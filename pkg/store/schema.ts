import type { ColumnType, Generated } from 'kysely';

/**
 * Database tables as kysely sees them. Times are epoch milliseconds (BIGINT) so both dialects
 * agree; JSON is stored as text. `deleted_at` marks soft-deleted rows (undo-able deletes).
 */
type Id = Generated<number>;
/** BIGINT comes back as string from mysql2 unless configured; we configure numbers (see db.ts). */
type Millis = ColumnType<number, number, number>;

export interface AppsTable {
  id: Id;
  name: string;
  /** sha256(apiKey) hex; the key itself is shown once at creation. */
  api_key_hash: string;
  /** First characters of the key, to tell keys apart in lists. */
  api_key_hint: string;
  /** Sends per second allowed at ingest; null = unlimited. */
  rate_limit: number | null;
  created_at: Millis;
  updated_at: Millis;
  deleted_at: Millis | null;
  /** Where status callbacks are posted; null = callbacks off. */
  callback_url: string | null;
  /** Comma list of the lifecycle states posted to `callback_url`. */
  callback_states: string | null;
  /** AES-256-GCM sealed JSON string of the app's `whsec_…` signing secret (shown once). */
  callback_secret_sealed: string | null;
  /** First characters of the signing secret, to tell secrets apart. */
  callback_secret_hint: string | null;
}

export interface AccountsTable {
  id: Id;
  name: string;
  channel: string;
  provider: string;
  /** AES-256-GCM sealed JSON of the provider config (credentials included). */
  config_sealed: string;
  /** Token-bucket rate per second; null = unlimited. */
  rate_limit: number | null;
  rate_burst: number | null;
  created_at: Millis;
  updated_at: Millis;
  deleted_at: Millis | null;
  /** Secret path segment of the account's provider receipt route; null = none issued yet. */
  callback_token: string | null;
}

export interface TemplatesTable {
  id: Id;
  name: string;
  channel: string;
  message_type: string;
  /** Null: routed by the live config's weighted account list of its route (SMS). */
  account_id: number | null;
  /** JSON content model of the channel. */
  content: string;
  status: string;
  shield: string;
  timezone: string | null;
  cron: string | null;
  description: string | null;
  created_at: Millis;
  updated_at: Millis;
  deleted_at: Millis | null;
  /** The owning app (null: a row older than tenancy that had no app to be given to). */
  app_id: number | null;
  /** JSON array of the ids of other apps that may send with it; null = none. */
  shared_with_apps: string | null;
  /** Moves by one on every edit; recorded on each message. */
  version: ColumnType<number, number | undefined, number>;
  /** `none` | `mask` | `block`: what a sensitive-dictionary match does. */
  sensitive_policy: ColumnType<string, string | undefined, string>;
}

export interface CrowdFilesTable {
  id: Id;
  template_id: number;
  filename: string;
  row_count: number;
  created_at: Millis;
  /** `uploading` while its chunks are written, `complete` once whole (only those are used). */
  status: ColumnType<string, string | undefined, string>;
  /** Rows are in `crowd_chunks` 0 … chunk_count - 1. */
  chunk_count: ColumnType<number, number | undefined, number>;
  /** JSON array of the variable columns, in the order chunk rows hold their values. */
  columns_json: string | null;
  /** Rows left out at upload (`?skipInvalid=true`). */
  rejected_count: ColumnType<number, number | undefined, number>;
  /** Size of the uploaded CSV. */
  byte_count: ColumnType<number, number | undefined, number>;
}

export interface SmsRecordsTable {
  id: Id;
  message_id: string;
  template_id: number;
  account_id: number;
  phone: string;
  provider: string;
  /** Provider's id of the send (serial no / biz id), to match receipts. */
  provider_message_id: string | null;
  status: string;
  status_code: string | null;
  status_message: string | null;
  sent_at: Millis;
  receipt_at: Millis | null;
  /** Billed parts as the provider reported them (null: not reported). */
  segments: number | null;
  /** The app that sent the message (null: a platform send). */
  app_id: number | null;
}

export interface ConfigTable {
  name: string;
  /** JSON value. */
  value: string;
  updated_at: Millis;
  updated_by: string;
}

export interface ConfigAuditTable {
  id: Id;
  name: string;
  old_value: string | null;
  new_value: string;
  actor: string;
  at: Millis;
}

/** One chunk of a crowd file: up to 1,000 rows, written as the upload is parsed. */
export interface CrowdChunksTable {
  file_id: number;
  chunk_index: number;
  row_count: number;
  /** JSON array of rows `[line, receiver, ...values in the file's column order]`. */
  body: string;
}

/** One cron run of a template over its crowd file: what it read, sent and left out, and why. */
export interface CrowdRunsTable {
  id: Id;
  template_id: number;
  /** The cron time of the run (ms): with the template, the run's identity. */
  run_at: Millis;
  /** The crowd file pinned at the run's start; null when there was none. */
  file_id: number | null;
  /** The app the run sends as (the template's owner). */
  app_id: number | null;
  /** `running` | `done` | `failed`. */
  status: string;
  /** Why the run stopped, waits, or sent nothing; null when all went well. */
  reason: string | null;
  rows_total: number;
  rows_read: number;
  accepted: number;
  rejected: number;
  skipped: number;
  chunks_total: number;
  chunks_done: number;
  /** JSON array of the first rejected rows `{ line, message }`. */
  rejections: string | null;
  started_at: Millis;
  updated_at: Millis;
  finished_at: Millis | null;
}

export interface Database {
  apps: AppsTable;
  channel_accounts: AccountsTable;
  templates: TemplatesTable;
  crowd_files: CrowdFilesTable;
  sms_records: SmsRecordsTable;
  config: ConfigTable;
  config_audit: ConfigAuditTable;
  crowd_chunks: CrowdChunksTable;
  crowd_runs: CrowdRunsTable;
}
