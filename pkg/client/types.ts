/**
 * Request and response bodies of the HTTP API v1 (DESIGN.md), as the client sends and reads them.
 * Kept free of server imports so the client works in any program (benchmarks, other services).
 * Times are epoch milliseconds unless named otherwise; days are `YYYY-MM-DD`.
 */

/** One message of a send: the same variables for every receiver in it. */
export type SendMessage = {
  receivers: string[];
  variables?: Record<string, unknown>;
  /** Caller's business id (order number…), kept on every delivery. */
  bizId?: string;
  /** Receivers' IANA time zone (quiet hours). */
  timezone?: string;
};

/** @example { templateId: 12, messages: [{ receivers: ['a@x.com'], variables: { name: 'Ann' } }] } */
export type SendBody = {
  templateId: number;
  messages: SendMessage[];
  /** ISO 8601 time to hold the deliveries until. */
  sendAt?: string;
};

/** 202 answer of `POST /v1/send`: message ids in receiver order, flattened. */
export type SendResponse = { requestId: string; accepted: number; messageIds: string[] };

/** What `send` returns: the answer plus whether it was an idempotent replay of an earlier one. */
export type SendResult = SendResponse & { replayed: boolean };

export type RecallBody = { messageIds: string[] } | { requestId: string };

export type RecallResult =
  | 'cancelled'
  | 'already_cancelled'
  | 'sending'
  | 'sent'
  | 'final'
  | 'unknown'
  | 'recalled'
  | 'already_recalled'
  | 'recall_refused'
  | 'recall_unsupported';

export type RecallResponse = {
  results: { messageId: string; result: RecallResult | (string & {}); reason?: string }[];
  cancelled: number;
  /** Sent messages recalled at their provider. */
  recalled: number;
};

/** One state a message reached. */
export type TimelineEntry = { state: string; at: number; reason: string };

/** `GET /v1/messages/:id`. */
export type MessageTrace = {
  messageId: string;
  templateId: number;
  receiver: string;
  channel: string;
  /** Latest state. */
  state: string;
  timeline: TimelineEntry[];
};

/** One message in a receiver's day. */
export type ReceiverMessage = {
  messageId: string;
  templateId: number;
  channel: string;
  state: string;
  at: number;
};

/** `GET /v1/receivers/:receiver/messages?day=`. */
export type ReceiverTrace = {
  receiver: string;
  day: string;
  items: ReceiverMessage[];
  total?: number;
};

/** State → count. */
export type StateCounts = Record<string, number>;

/** `GET /v1/templates/:id/stats?from=&to=` (`hours` for a one-day range). */
export type TemplateStats = {
  templateId: number;
  days: { day: string; counts: StateCounts }[];
  hours?: { hour: string; counts: StateCounts }[];
};

/** An item of the sandbox channel's inbox. */
export type SandboxMessage = {
  messageId: string;
  receiver: string;
  content: unknown;
  sentAt: number;
  templateId?: number;
};

/** `GET /v1/sandbox/messages?receiver=&limit=`. */
export type SandboxMessages = { items: SandboxMessage[]; total: number };

/** A list answer of the admin API. */
export type Paged<T> = { items: T[]; total: number };

// --- admin ---

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
  apiKeyHint?: string;
  rateLimit?: number | null;
  callbackUrl?: string | null;
  callbackStates?: string[] | null;
  callbackSecretHint?: string | null;
  createdAt?: number;
  updatedAt?: number;
};
/**
 * The create answer carries the API key, once; and the callback signing secret (`whsec_…`) when
 * a callback URL was set — as does the PATCH that first sets one and `callback-secret/rotate`.
 */
export type AppCreated = App & { apiKey: string; callbackSecret?: string };
/** An answer that may carry the callback signing secret, shown this once. */
export type AppWithSecret = App & { callbackSecret?: string };

export type AccountCreateBody = {
  name: string;
  channel: string;
  provider: string;
  config: Record<string, unknown>;
  rateLimit?: number | null;
  rateBurst?: number | null;
};
/** An account as the API shows it (credentials masked). */
export type Account = AccountCreateBody & { id: number; createdAt?: number; updatedAt?: number };

export type TemplateCreateBody = {
  name: string;
  channel: string;
  messageType: 'notice' | 'marketing' | 'auth';
  accountId: number;
  content: unknown;
  shield?: 'none' | 'drop' | 'delay';
  timezone?: string | null;
  cron?: string | null;
  description?: string | null;
};
export type Template = TemplateCreateBody & {
  id: number;
  status?: 'active' | 'paused';
  createdAt?: number;
  updatedAt?: number;
};

/** Live config (`GET|PUT /v1/admin/config`); more fields allowed. */
export type PlatformConfig = {
  discardTemplateIds?: number[];
  whitelist?: { enabled: boolean; receivers: string[] };
  concurrency?: Record<string, number>;
  [key: string]: unknown;
};
