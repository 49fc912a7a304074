import type { z } from 'zod';
import type { Channel } from '../domain/channels.ts';
import type { Delivery } from '../domain/delivery.ts';
import type { ReceiverKind } from '../domain/receivers.ts';
import type { Template } from '../domain/template.ts';
import type { Kit } from './kit/types.ts';

/**
 * What a provider error code means for the delivery that got it:
 * - `retryable`: try again later with backoff (5xx, timeouts, a provider's "system busy");
 * - `permanent`: never succeeds for this receiver (bad number, blacklisted, content refused);
 * - `account`: this account cannot send (insufficient balance, suspended service, signature or
 *   template not approved for it, bad credentials): another account of the route may take the
 *   message within the same attempt; with none left it is permanent;
 * - `rate_limited`: the provider said "slow down": retry later and cool the account's rate down;
 * - `token_expired`: the access token is stale: refresh it once and retry the call once.
 */
export type ErrorClass = 'retryable' | 'permanent' | 'account' | 'rate_limited' | 'token_expired';

/**
 * A provider's error codes as data (graphile-worker style): provider code → class. Codes not in
 * the table fall back to the class the client passes (usually `permanent` for 4xx-like answers,
 * `retryable` for 5xx-like ones). The code itself is kept as the lifecycle reason.
 *
 * @example const errors: ErrorTable = { '42001': 'token_expired', '-1': 'retryable', '81013': 'permanent' };
 */
export type ErrorTable = Readonly<Record<string, ErrorClass>>;

/**
 * What a provider call came to for one receiver. Failures carry the provider's code (kept as the
 * lifecycle reason), whether a retry may succeed, and the "slow down" mark with an optional
 * Retry-After. Build failures with {@link failure} so the class comes from the error table.
 *
 * @example { ok: true, providerMessageId: 'msg-123' }
 * @example { ok: false, retryable: true, code: 'HTTP_503', message: 'service unavailable', retryAfterMs: 5000 }
 */
export type SendOutcome =
  | Readonly<{
      ok: true;
      providerMessageId?: string;
      /** Billed message parts (SMS segments) when the provider says. */
      segments?: number;
    }>
  | Readonly<{
      ok: false;
      retryable: boolean;
      code: string;
      message: string;
      retryAfterMs?: number;
      rateLimited?: boolean;
      tokenExpired?: boolean;
      /**
       * The answer proves the provider did not take the message (refused connection, 5xx, rate
       * limited, an account-level refusal): the handler may hand it to the route's next account
       * within the same attempt without risking a double send.
       */
      failover?: boolean;
      /**
       * The request went out and no answer came (timeout): the provider may have sent it. Retried
       * on the same account only, never failed over (that could send a code through two providers).
       */
      inDoubt?: boolean;
    }>;

/** The failure half of {@link SendOutcome}. */
export type SendFailure = Extract<SendOutcome, { ok: false }>;

/**
 * Classes of the kit's transport codes (pkg/channels/kit/types.ts `HttpError`) and of a bare 429,
 * shared by every HTTP provider's table (spread it in): all are worth another try.
 *
 * @example const TABLE: ErrorTable = { ...TRANSPORT_ERRORS, '-1': 'retryable' };
 */
export const TRANSPORT_ERRORS: ErrorTable = Object.freeze({
  HTTP_429: 'rate_limited',
  HTTP_TIMEOUT: 'retryable',
  HTTP_CONNECT: 'retryable',
  HTTP_RESET: 'retryable',
  HTTP_RESPONSE_TOO_LARGE: 'retryable',
  HTTP_ERROR: 'retryable',
});

/** The kit's codes of a request that went out and got no answer (pkg/channels/kit/types.ts). */
const IN_DOUBT_CODES: ReadonlySet<string> = new Set(['HTTP_TIMEOUT', 'HTTP_RESET']);

/**
 * A failure outcome classified by a provider's error table (`fallback` when the code is not in it).
 * `failover` is set for every class but `permanent` and `token_expired` unless the call is in
 * doubt (`inDoubt`, default: the code is the kit's `HTTP_TIMEOUT` or `HTTP_RESET`).
 *
 * @example failure({ '42001': 'token_expired' }, '42001', 'access_token expired')
 * // { ok: false, retryable: true, tokenExpired: true, code: '42001', message: 'access_token expired' }
 * @example failure({ 'isv.AMOUNT_NOT_ENOUGH': 'account' }, 'isv.AMOUNT_NOT_ENOUGH', 'balance')
 * // { ok: false, retryable: false, failover: true, code: 'isv.AMOUNT_NOT_ENOUGH', message: 'balance' }
 */
export function failure(
  table: ErrorTable,
  code: string,
  message: string,
  opts: { fallback?: ErrorClass; retryAfterMs?: number; inDoubt?: boolean } = {},
): SendFailure {
  const cls = Object.hasOwn(table, code) ? table[code]! : (opts.fallback ?? 'permanent');
  const inDoubt = opts.inDoubt ?? IN_DOUBT_CODES.has(code);
  return Object.freeze({
    ok: false as const,
    retryable: cls !== 'permanent' && cls !== 'account',
    code,
    message: message.slice(0, 500),
    ...(cls === 'rate_limited' ? { rateLimited: true } : {}),
    ...(cls === 'token_expired' ? { tokenExpired: true } : {}),
    ...(inDoubt
      ? { inDoubt: true }
      : cls !== 'permanent' && cls !== 'token_expired'
        ? { failover: true }
        : {}),
    ...(opts.retryAfterMs !== undefined ? { retryAfterMs: opts.retryAfterMs } : {}),
  });
}

/** The account a client was built for (its id names caches, tokens and breakers). */
export type AccountRef = Readonly<{ id: number; channel: Channel; provider: string }>;

/**
 * One provider call: a rendered message to one receiver. `content` is the template content with
 * the delivery's variables rendered, already validated by the provider's content schema.
 */
export type SendRequest<Content = unknown> = Readonly<{
  delivery: Delivery;
  template: Template;
  content: Content;
}>;

/**
 * One provider call carrying many receivers (deliveries that share account, template and
 * rendered content). At most the definition's `capabilities.batch` deliveries.
 */
export type BatchRequest<Content = unknown> = Readonly<{
  deliveries: readonly Delivery[];
  template: Template;
  content: Content;
}>;

/** Recall of a sent message at the provider (its id as `send` returned it). */
export type RecallRequest = Readonly<{ messageId: string; providerMessageId: string; receiver: string }>;

/** What a recall came to: done, or the provider's refusal (its code is the lifecycle reason). */
export type RecallOutcome = Readonly<{ ok: true }> | Readonly<{ ok: false; code: string; message: string }>;

/** A delivery receipt from a provider: the final fate of a sent message. */
export type Receipt = Readonly<{
  /** Our message id when the provider echoes it (a custom field set at send); else found by `providerMessageId`. */
  messageId?: string;
  providerMessageId: string;
  receiver?: string;
  state: 'delivered' | 'read' | 'failed';
  at: number;
  /** Provider status/error code, kept as the lifecycle reason. */
  reason?: string;
}>;

/**
 * A sent message still waiting for its receipt, as the scheduler hands it to `receipts.pull`
 * (providers that query by number and id, like Aliyun's QuerySendDetails, need these).
 */
export type PendingReceipt = Readonly<{ providerMessageId: string; receiver: string; sentAt: number }>;

/** A provider's call to our callback route, as received (raw body for signature checks). */
export type CallbackRequest = Readonly<{
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  body: string;
}>;

/** What a verified callback carried, and what to answer the provider (its expected ack body). */
export type CallbackResult = Readonly<{
  receipts: readonly Receipt[];
  reply: Readonly<{ status: number; body: unknown }>;
}>;

/** Whether an account's credentials and endpoint work (`POST /v1/admin/accounts/:id/test`). */
export type TestResult = Readonly<{ ok: true }> | Readonly<{ ok: false; code: string; message: string }>;

/**
 * A live client of one account, built by the definition's `create`. `send` never throws for
 * provider failures (it returns an outcome); a throw is taken as a retryable unknown error.
 */
export type ProviderClient<Content = unknown> = Readonly<{
  send(req: SendRequest<Content>): Promise<SendOutcome>;
  /** One call for many receivers; outcomes in the order of `req.deliveries`. */
  sendBatch?(req: BatchRequest<Content>): Promise<readonly SendOutcome[]>;
  recall?(req: RecallRequest): Promise<RecallOutcome>;
  receipts?: Readonly<{
    /**
     * Pulls receipts that arrived since the last pull (the scheduler calls it, leader only).
     * `pending` lists sent messages of this account still without a receipt (oldest first, a
     * bounded page); providers whose pull is a queue (Tencent, Yunpian) ignore it.
     */
    pull?(pending: readonly PendingReceipt[]): Promise<readonly Receipt[]>;
    /** Verifies and reads a provider's callback (a bad signature → `{ ok: false }`). */
    callback?(req: CallbackRequest): Promise<CallbackResult | { ok: false; message: string }>;
  }>;
  testConnection?(): Promise<TestResult>;
  close?(): Promise<void>;
}>;

/**
 * The `send` of a client whose API is a batch one: a batch of one. The one way every batch
 * provider answers a single send, so its single and batch paths cannot drift apart.
 *
 * @example const client = { send: sendOfBatch(sendBatch), sendBatch };
 */
export function sendOfBatch<Content>(
  sendBatch: (req: BatchRequest<Content>) => Promise<readonly SendOutcome[]>,
): (req: SendRequest<Content>) => Promise<SendOutcome> {
  return async (req) => {
    const [outcome] = await sendBatch({
      deliveries: [req.delivery],
      template: req.template,
      content: req.content,
    });
    return (
      outcome ?? failure({}, 'SENDER_ERROR', 'the batch call answered no outcome', { fallback: 'retryable' })
    );
  };
}

/** What a provider can do beyond one send (the list in `GET /v1/admin/providers`). */
export type Capabilities = Readonly<{
  /** Max receivers in one `sendBatch` call; absent = no batch API. */
  batch?: number;
  recall?: boolean;
  receipts?: boolean;
  testConnection?: boolean;
}>;

/**
 * A channel provider: everything the platform knows about it, in one value in one folder
 * (`pkg/channels/providers/<name>/`). Validation on save, secret masking and log redaction (from
 * the config schema's {@link secret} marks), the providers list, callback routes and the sender
 * factory are all derived from it.
 *
 * @example
 * export const webhook: ProviderDefinition<WebhookConfig, WebhookContent> = {
 *   channel: 'webhook', provider: 'webhook', title: 'Webhook (Standard Webhooks)',
 *   config: webhookConfig, content: webhookContent, receivers: ['url'], errors: WEBHOOK_ERRORS,
 *   capabilities: { testConnection: false },
 *   create: (config, kit) => createWebhookClient(config, kit),
 * };
 */
// A list holds definitions of many config/content types: `any` is the erased element type.
// biome-ignore lint/suspicious/noExplicitAny: erased type parameters of a heterogeneous list
export type ProviderDefinition<Config = any, Content = any> = Readonly<{
  channel: Channel;
  provider: string;
  /** Human name for forms and the console. */
  title: string;
  /** The account config; secret fields wrapped in {@link secret}. */
  config: z.ZodType<Config>;
  /** The template content (strings may hold placeholders, rendered per delivery). */
  content: z.ZodType<Content>;
  /** Receiver kinds the provider sends to (see pkg/domain/receivers.ts). */
  receivers: readonly ReceiverKind[];
  /**
   * A group robot: each message of a send request is one post to the account's group, its
   * receivers the people it @-mentions (pkg/channels/group-post.ts), never one post per receiver.
   */
  groupPost?: boolean;
  errors: ErrorTable;
  capabilities: Capabilities;
  /**
   * What a circuit breaker is keyed by within an account (default: the account alone). The
   * webhook keys by target host, so one dead URL does not hold back the others.
   */
  breakerScope?: (receiver: string) => string;
  /**
   * Which failures say the provider itself is unwell and count toward opening its breaker
   * (default: retryable failures that are neither "slow down" nor "token expired"). SMTP counts
   * only broken connections and 421, not a mailbox's 451.
   */
  tripsBreaker?: (failure: SendFailure) => boolean;
  /**
   * Whether a template's (parsed) content can go through this provider; default yes. An SMS
   * template names the providers it has approved templates at, so routing and failover pick
   * only accounts whose provider it names.
   */
  accepts?: (content: Content) => boolean;
  create(config: Config, kit: Kit, account: AccountRef): ProviderClient<Content>;
}>;
