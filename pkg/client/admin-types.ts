/**
 * Request and response bodies of the admin API v1 (admin token), as the client sends and reads
 * them. Times are epoch milliseconds.
 */

/** `callbackUrl` turns status callbacks on (`null`: off); `callbackStates` picks lifecycle states. */
export type AppCreateBody = {
  name: string;
  rateLimit?: number | null;
  callbackUrl?: string | null;
  callbackStates?: string[];
};
export type App = {
  id: number;
  name: string;
  /** First 8 characters of the key, to tell keys apart. */
  apiKeyHint?: string;
  rateLimit?: number | null;
  callbackUrl?: string | null;
  callbackStates?: readonly string[] | null;
  callbackSecretHint?: string | null;
  createdAt?: number;
  updatedAt?: number;
  deletedAt?: number | null;
};
/**
 * The create answer carries the API key, once; and the callback signing secret (`whsec_…`) when
 * a callback URL was set — as does the PATCH that first sets one and `callback-secret/rotate`.
 */
export type AppCreated = App & { apiKey: string; callbackSecret?: string };
/** An answer that may carry the callback signing secret, shown this once. */
export type AppWithSecret = App & { callbackSecret?: string };

/** Filters of the admin lists (`includeDeleted` lists soft-deleted rows too). */
export type ListQuery = {
  page?: number;
  pageSize?: number;
  name?: string;
  includeDeleted?: boolean;
};

export type AccountCreateBody = {
  name: string;
  channel: string;
  provider: string;
  config: Record<string, unknown>;
  rateLimit?: number | null;
  rateBurst?: number | null;
};
/** An account as the API shows it (credentials masked as `***`). */
export type Account = AccountCreateBody & {
  id: number;
  /** Set when the stored config cannot be decrypted (SECRET_KEY changed). */
  configUnreadable?: true;
  /** Token of this account's receipt route `/v1/callbacks/<channel>/<provider>/<id>/<token>`. */
  callbackToken?: string;
  createdAt?: number;
  updatedAt?: number;
  deletedAt?: number | null;
};
/** `POST /v1/admin/accounts/:id/test`. */
export type ConnectionTest = { ok: true } | { ok: false; code: string; message: string };

/** A provider of `GET /v1/admin/providers`: JSON Schemas of its account config and content. */
export type Provider = {
  channel: string;
  provider: string;
  title: string;
  receivers: readonly string[];
  configSchema: Record<string, unknown>;
  contentSchema: Record<string, unknown>;
  capabilities: { batch?: number; recall: boolean; receipts: boolean; testConnection: boolean };
};

export type TemplateCreateBody = {
  name: string;
  /** The owning app (it and `sharedWithApps` may send with it). */
  appId?: number;
  sharedWithApps?: number[];
  channel: string;
  messageType: 'notice' | 'marketing' | 'auth';
  /** Omitted or null: routed through the live config's `routing` for its route. */
  accountId?: number | null;
  content: unknown;
  shield?: 'none' | 'drop' | 'delay';
  sensitive?: string;
  timezone?: string | null;
  cron?: string | null;
  description?: string | null;
};
/** A template as answered (`appId` null only for a template older than tenancy with no app). */
export type Template = Omit<TemplateCreateBody, 'appId' | 'sharedWithApps'> & {
  id: number;
  appId?: number | null;
  sharedWithApps?: readonly number[];
  status?: 'active' | 'paused';
  /** Moves on every edit; recorded on each message. */
  version?: number;
  createdAt?: number;
  updatedAt?: number;
  deletedAt?: number | null;
};
export type TemplateListQuery = ListQuery & {
  channel?: string;
  status?: 'active' | 'paused';
  messageType?: string;
  appId?: number;
};
/** `POST /v1/admin/templates/:id/preview` (and `/preview` for unsaved content). */
export type TemplatePreview = { content: unknown; placeholders?: string[] };

/** A stored crowd file of a template. */
export type CrowdFile = {
  id: number;
  templateId: number;
  filename: string;
  rows: number;
  chunks?: number;
  rejected?: number;
  bytes?: number;
  columns?: string[];
  createdAt: number;
};
/** The upload answer: with `skipInvalid`, the rows left out (first 100) and their count. */
export type CrowdUpload = CrowdFile & {
  errorCount?: number;
  errors?: { line: number; column: string | null; message: string }[];
};
/** A cron run of a template over its newest crowd file. */
export type CrowdRun = {
  id: number;
  templateId: number;
  runAt: number;
  fileId: number | null;
  appId: number | null;
  status: 'running' | 'done' | 'failed';
  /** Why it stopped, waits, or sent nothing. */
  reason: string | null;
  rowsTotal: number;
  rowsRead: number;
  accepted: number;
  rejected: number;
  skipped: number;
  chunksTotal: number;
  chunksDone: number;
  /** rowsRead / rowsTotal, 0…1. */
  progress: number;
  rejections: { line: number; message: string }[];
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
};
/** A page of runs; `next` is the `before` of the following page (null at the end). */
export type CrowdRunPage = { items: CrowdRun[]; total: number; next: number | null };

/** Live config (`GET|PUT|PATCH /v1/admin/config`): the answer has every section, defaults filled. */
export type PlatformConfig = {
  discardTemplateIds?: readonly number[];
  whitelist?: { enabled: boolean; receivers: readonly string[] };
  dedup?: {
    contentWindowSec?: number;
    frequency?: { limit?: number; per?: 'day' | 'window'; windowSec?: number };
  };
  quietHours?: { start?: string; end?: string; timezone?: string };
  concurrency?: Record<string, number | undefined>;
  rateLimits?: Record<string, { rate: number; burst?: number }>;
  routing?: Record<string, readonly { accountId: number; weight: number }[] | undefined>;
  /** The sensitive-words dictionary (bulk edits: `/v1/admin/config/sensitive-words`). */
  sensitiveWords?: { words: readonly string[] };
  [key: string]: unknown;
};
/** One change of the live config (`at`: ISO 8601). */
export type ConfigChange = { at: string; actor: string; old: unknown; new: unknown };

/** `GET /readyz`: each dependency's check. */
export type Readiness = {
  status: 'ready' | 'not_ready';
  checks: Record<string, { ok: boolean; detail?: unknown }>;
};
