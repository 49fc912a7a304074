/**
 * Request and response bodies of the send and data API v1 (DESIGN.md), as the client sends and
 * reads them; the admin API's are in admin-types.ts. Kept free of server imports so the client
 * works in any program (benchmarks, other services); client.test.ts checks at compile time that
 * the server's answer schemas fit these types. Times named `at`/`…At` in traces are ISO 8601
 * strings; elsewhere epoch milliseconds unless named otherwise; days are `YYYY-MM-DD`.
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

/** One state a message reached (`at`: ISO 8601). */
export type TimelineEntry = { state: string; at: string; reason: string };

/** `GET /v1/messages/:id` (no rendered content: personal data stays out of traces). */
export type MessageTrace = {
  messageId: string;
  templateId: number;
  /** The template's version the message was accepted with. */
  templateVersion?: number | null;
  receiver: string;
  channel: string;
  messageType?: string;
  /** The sending app. */
  appId?: number | null;
  requestId?: string | null;
  bizId?: string | null;
  /** Account and provider of the last attempt. */
  accountId?: number | null;
  provider?: string | null;
  /** Latest state. */
  state: string;
  timeline: TimelineEntry[];
};

/** `GET /v1/messages?requestId=|bizId=`: the messages with their traces, in send order. */
export type MessageList = { items: MessageTrace[]; total: number };

/** One message in a receiver's day (`at`, `acceptedAt`: ISO 8601). */
export type ReceiverMessage = {
  messageId: string;
  templateId: number;
  channel: string;
  state: string;
  at: string;
  reason?: string;
  acceptedAt?: string;
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
  from?: string;
  to?: string;
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
  appId?: number | null;
};

/** `GET /v1/sandbox/messages?receiver=&limit=`. */
export type SandboxMessages = { items: SandboxMessage[]; total: number };

/** A lifecycle event of the live tail `GET /v1/events/stream` (`at`: ISO 8601). */
export type LiveEvent = {
  /** The event's stream id (`Last-Event-ID`). */
  id: string;
  messageId: string;
  templateId: number;
  receiver: string;
  channel: string;
  messageType: string;
  state: string;
  at: string;
  reason: string;
};

/**
 * What the live tail yields: `ready` once subscribed, `lifecycle` per event, `dropped` when this
 * client was too slow and the oldest queued events were let go.
 */
export type StreamEvent =
  | { type: 'ready'; templateId: number | null }
  | { type: 'lifecycle'; event: LiveEvent }
  | { type: 'dropped'; count: number };

/** Filters of the dead-letter listing; times are ISO 8601 or epoch milliseconds. */
export type DeadLetterQuery = {
  route?: string;
  templateId?: number;
  reason?: string;
  from?: string | number;
  to?: string | number;
  /** Admin only: one app's. */
  appId?: number;
  /** `next` of the previous page. */
  cursor?: string;
  limit?: number;
};

/** A dead letter as listed (`at`: ISO 8601). */
export type DeadLetter = {
  id: string;
  messageId: string;
  route: string;
  templateId: number;
  receiver: string;
  reason: string;
  lastError?: string;
  attempts: number;
  at: string;
  appId?: number | null;
};

/** `GET …/dead-letters/:id`: the delivery in full (variables of verification codes masked). */
export type DeadLetterDetail = DeadLetter & {
  channel: string;
  messageType: string;
  requestId: string;
  bizId: string;
  acceptedAt: string | null;
  timezone: string | null;
  pinnedAccountId: number | null;
  variables: Record<string, unknown>;
  /** The message's current state (null: its record expired). */
  state: string | null;
};

/** A page of dead letters; `next` is the cursor of the following page (null at the end). */
export type DeadLetterPage = { items: DeadLetter[]; next: string | null };

/** `POST …/dead-letters/replay`: by ids, or every dead letter a filter matches. */
export type DeadLetterReplay = { ids: string[] } | { filter: Omit<DeadLetterQuery, 'cursor' | 'limit'> };

/** A list answer of the admin API. */
export type Paged<T> = { items: T[]; total: number };

export type * from './admin-types.ts';
