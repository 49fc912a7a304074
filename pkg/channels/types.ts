import type { Channel } from '../domain/channels.ts';
import type { Delivery } from '../domain/delivery.ts';
import type { Template } from '../domain/template.ts';

/**
 * A channel account as a sender sees it: provider name and the decrypted provider config.
 * Never logged (the config holds credentials).
 */
export type SenderAccount = Readonly<{
  id: number;
  channel: Channel;
  provider: string;
  config: Readonly<Record<string, unknown>>;
  /** Changes when the account is edited, so cached senders are rebuilt. */
  updatedAt: number;
}>;

/** One provider call: a rendered message to one receiver. */
export type SendRequest = Readonly<{
  delivery: Delivery;
  template: Template;
  /** The template content with variables rendered (HTML-escaped in html fields). */
  content: unknown;
  account: SenderAccount;
}>;

/**
 * What a provider call came to. Failures are classified here, where the provider's codes are
 * known: `retryable` (SMTP 4xx, timeouts, 5xx HTTP, throttling) or permanent (SMTP 5xx, bad
 * receiver, bad credentials). `rateLimited` marks a provider's "slow down" answer so the rate
 * limiter can cool down; `retryAfterMs` honours a provider's Retry-After.
 *
 * @example { ok: true, providerMessageId: '<01K…@pushline>' }
 * @example { ok: false, retryable: true, code: 'SMTP_451', message: 'try later', retryAfterMs: 5000 }
 */
export type SendOutcome =
  | Readonly<{ ok: true; providerMessageId?: string }>
  | Readonly<{
      ok: false;
      retryable: boolean;
      code: string;
      message: string;
      retryAfterMs?: number;
      rateLimited?: boolean;
    }>;

/**
 * One provider adapter. `send` must not throw for provider failures (it returns an outcome);
 * a throw is treated as a retryable unknown error.
 */
export type ChannelSender = Readonly<{
  send(req: SendRequest): Promise<SendOutcome>;
  /** Recalls a sent message where the provider supports it. */
  recall?(req: {
    messageId: string;
    providerMessageId: string;
    account: SenderAccount;
  }): Promise<SendOutcome>;
  close?(): Promise<void>;
}>;

/** Builds the sender of an account (a factory per provider, registered explicitly — never self-registered). */
export type SenderFactory = (account: SenderAccount) => ChannelSender;
