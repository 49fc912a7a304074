import type { SpanContext } from '@opentelemetry/api';
import type { Channel } from '../domain/channels.ts';
import type { Delivery } from '../domain/delivery.ts';
import type { Template } from '../domain/template.ts';
import { inSpan, SpanKind } from '../telemetry/tracing.ts';
import { type BatchItem, createBatcher } from './batcher.ts';
import type {
  CallbackRequest,
  CallbackResult,
  PendingReceipt,
  ProviderClient,
  ProviderDefinition,
  RecallOutcome,
  RecallRequest,
  Receipt,
  SendFailure,
  SendOutcome,
  TestResult,
} from './definition.ts';
import type { BreakerOpen, Breakers } from './kit/breaker.ts';
import { observeTokenFetches } from './kit/tokens.ts';
import type { Kit } from './kit/types.ts';

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

/** One send as the handler asks it: `content` is the rendered template content, not yet parsed. */
export type SenderRequest = Readonly<{
  delivery: Delivery;
  template: Template;
  content: unknown;
  /** The span of this send (tracing on): a batch call's span links to it. */
  traceContext?: SpanContext;
}>;

/** The slice of the kit's circuit breakers (pkg/channels/kit/breaker.ts) a sender consults. */
export type BreakerPort = Pick<Breakers, 'openFor' | 'run'>;

/**
 * The live sender of one account, built from its provider's definition. `send` never throws: a
 * throw from the client is a retryable `SENDER_ERROR`, an open breaker a retryable
 * `CIRCUIT_OPEN` (the handler holds the delivery back without spending an attempt).
 */
export type ChannelSender = Readonly<{
  provider: string;
  /** Most receivers in one provider call (absent: one per call); sends are coalesced up to it. */
  batch?: number;
  /** Whether the provider can take this (rendered or raw) template content (see `accepts`). */
  accepts(content: unknown): boolean;
  /** Whether a call to `receiver` may go now, or how long its breaker stays open. */
  admit(receiver: string): { ok: true } | { ok: false; retryAfterMs: number };
  send(req: SenderRequest): Promise<SendOutcome>;
  /** Present when the provider can recall a sent message. */
  recall?(req: RecallRequest): Promise<RecallOutcome>;
  testConnection(): Promise<TestResult>;
  /** Present when receipts can be pulled from the provider (the scheduler's leader calls it). */
  pullReceipts?(pending: readonly PendingReceipt[]): Promise<readonly Receipt[]>;
  /** Present when the provider posts receipts to our callback route. */
  callback?(req: CallbackRequest): Promise<CallbackResult | { ok: false; message: string }>;
  close(): Promise<void>;
}>;

/**
 * Runs one batch provider call of an account: where the handler applies the route's call
 * concurrency and the account's rate limit (both count calls for batch providers).
 *
 * @example const gate: CallGate = (account, delivery, call) => limit(call);
 */
export type CallGate = <T>(account: SenderAccount, delivery: Delivery, call: () => Promise<T>) => Promise<T>;

/**
 * How a batch provider's sends are coalesced (pkg/channels/batcher.ts).
 *
 * @example { lingerMs: (d) => (d.messageType === 'auth' ? 0 : 20), gate: (a, d, call) => call() }
 */
export type BatchSettings = Readonly<{
  lingerMs: (delivery: Delivery) => number;
  gate?: CallGate;
  /** Told of every provider call and token fetch of every account (metrics); see {@link SenderObserver}. */
  observe?: SenderObserver;
}>;

/**
 * One provider call as a sender saw it: a single send (one outcome) or a batch call (one per
 * delivery), and how long the provider took. Breaker-open refusals are no call.
 */
export type ProviderCall = Readonly<{
  account: SenderAccount;
  outcomes: readonly SendOutcome[];
  seconds: number;
}>;

/**
 * What a process learns from its senders (metrics): every provider call, and every access-token
 * fetch this process made for the fleet.
 *
 * @example const observe: SenderObserver = { call: (c) => histogram.observe(c.seconds), tokenFetch: (a, ok) => {} };
 */
export type SenderObserver = Readonly<{
  call(call: ProviderCall): void;
  tokenFetch?(account: SenderAccount, ok: boolean): void;
}>;

/** Runs a provider call (under its breaker), telling `observe` its outcomes and duration. */
async function observed<R extends SendOutcome | readonly SendOutcome[]>(
  observe: SenderObserver | undefined,
  account: SenderAccount,
  call: () => Promise<R>,
): Promise<R> {
  if (!observe) return call();
  const start = performance.now();
  const seen = (outcomes: readonly SendOutcome[]) =>
    observe.call({ account, outcomes, seconds: (performance.now() - start) / 1000 });
  try {
    const r = await call();
    seen(Array.isArray(r) ? (r as readonly SendOutcome[]) : [r as SendOutcome]);
    return r;
  } catch (err) {
    seen([thrown(err)]);
    throw err;
  }
}

/** Breaker-open marker code (the handler treats it apart: no attempt is spent). */
export const CIRCUIT_OPEN = 'CIRCUIT_OPEN';

const isOpen = (r: SendOutcome | BreakerOpen): r is BreakerOpen => 'open' in r;

const closedBreaker: BreakerPort = { openFor: () => undefined, run: (_k, call) => call() };

/**
 * A sender whose every send fails permanently with one reason: what an account gets when its
 * provider is unknown or its config is invalid, so the delivery fails visibly (with the code in
 * its trace) instead of the handler crashing or retrying forever.
 *
 * @example await failingSender('PROVIDER_UNSUPPORTED', 'no provider sms/foo').send(req)
 * // { ok: false, retryable: false, code: 'PROVIDER_UNSUPPORTED', message: 'no provider sms/foo' }
 */
export function failingSender(code: string, message: string, provider = ''): ChannelSender {
  const outcome: SendFailure = Object.freeze({ ok: false, retryable: false, code, message });
  return Object.freeze({
    provider,
    accepts: () => true,
    admit: () => ({ ok: true }) as const,
    send: async () => outcome,
    testConnection: async () => ({ ok: false, code, message }) as const,
    close: async () => {},
  });
}

const thrown = (err: unknown): SendFailure => ({
  ok: false,
  retryable: true,
  code: 'SENDER_ERROR',
  message: ((err as Error)?.message ?? 'error').slice(0, 500),
});

/** Only failures a retry may cure trip a breaker: a bad receiver says nothing about the provider. */
const defaultTrips = (f: SendFailure): boolean => f.retryable && !f.rateLimited && !f.tokenExpired;

/**
 * Builds the sender of an account from its provider's definition: the config is parsed by the
 * definition's schema (invalid → a failing sender with `ACCOUNT_CONFIG_INVALID` naming the field,
 * never the value), each rendered content by its content schema (`CONTENT_INVALID`), and every
 * call runs under the account's breaker (keyed further by `breakerScope`, e.g. the webhook host).
 *
 * @example
 * const sender = buildSender(smtp, account, kit, breakers);
 * const outcome = await sender.send({ delivery, template, content: rendered });
 */
export function buildSender(
  definition: ProviderDefinition | undefined,
  account: SenderAccount,
  kit: Kit,
  breakers: BreakerPort = closedBreaker,
  batching: BatchSettings = { lingerMs: () => 0 },
): ChannelSender {
  const name = `${account.channel}/${account.provider}`;
  if (!definition) return failingSender('PROVIDER_UNSUPPORTED', `no provider ${name}`, account.provider);
  const cfg = definition.config.safeParse(account.config ?? {});
  if (!cfg.success) {
    const path = cfg.error.issues[0]?.path.join('.') || '(root)';
    return failingSender(
      'ACCOUNT_CONFIG_INVALID',
      `invalid ${name} account config: ${path}`,
      account.provider,
    );
  }
  let client: ProviderClient;
  try {
    const tokenFetch = batching.observe?.tokenFetch;
    const seen = tokenFetch
      ? { ...kit, tokens: observeTokenFetches(kit.tokens, (ok) => tokenFetch(account, ok)) }
      : kit;
    client = definition.create(cfg.data, seen, account);
  } catch (err) {
    return failingSender(
      'SENDER_INIT_FAILED',
      `sender of account ${account.id} could not be built: ${(err as Error).message}`,
      account.provider,
    );
  }
  const keyOf = (receiver: string): string => {
    if (!definition.breakerScope) return String(account.id);
    try {
      return `${account.id}:${definition.breakerScope(receiver)}`;
    } catch {
      return String(account.id);
    }
  };
  const trips = definition.tripsBreaker ?? defaultTrips;
  const tripsBreaker = (o: SendOutcome): boolean => !o.ok && trips(o);
  const recall = client.recall?.bind(client);
  const callback = client.receipts?.callback?.bind(client.receipts);
  const pull = client.receipts?.pull?.bind(client.receipts);
  const circuitOpen = (retryAfterMs: number): SendFailure => ({
    ok: false,
    retryable: true,
    code: CIRCUIT_OPEN,
    message: `${name} circuit open`,
    retryAfterMs,
  });

  // A batch provider's sends wait briefly for others with the same content and go as one call,
  // under the breaker (a call whose every number failed in a tripping way counts once) and the
  // handler's gate (route call concurrency, account rate limit).
  const sendBatch = client.sendBatch?.bind(client);
  const max = definition.capabilities.batch ?? 0;
  const gate: CallGate = batching.gate ?? ((_a, _d, call) => call());
  const batcher =
    sendBatch && max > 1
      ? createBatcher({
          max,
          lingerMs: batching.lingerMs,
          perRequest: Boolean(definition.capabilities.recall),
          call: (items: readonly BatchItem[]) => {
            const first = items[0]!;
            // One span for the call, child of the first delivery's provider-call span and linked
            // to every delivery's (each delivery's own span records its outcome).
            const links = items.flatMap((i) => callerSpan.get(i.delivery) ?? []).slice(0, 128);
            return gate(account, first.delivery, () =>
              inSpan(
                'push.provider.batch_call',
                undefined,
                {
                  'push.provider': account.provider,
                  'push.account_id': account.id,
                  'push.batch_size': items.length,
                },
                async () => {
                  const r = await breakers.run(
                    keyOf(first.delivery.receiver),
                    () =>
                      observed(batching.observe, account, () =>
                        sendBatch({
                          deliveries: items.map((i) => i.delivery),
                          template: first.template,
                          content: first.content,
                        }),
                      ),
                    (outcomes) => outcomes.length > 0 && outcomes.every(tripsBreaker),
                  );
                  return 'open' in r ? items.map(() => circuitOpen(r.retryAfterMs)) : r;
                },
                { kind: SpanKind.CLIENT, links, ...(links[0] ? { parent: links[0] } : {}) },
              ),
            );
          },
        })
      : undefined;
  const accepts = definition.accepts;
  const accepted = new WeakMap<object, boolean>();
  /** The span each batched delivery was sent from (tracing on only), for the batch call's links. */
  const callerSpan = new WeakMap<Delivery, SpanContext>();

  return Object.freeze({
    provider: account.provider,
    ...(batcher ? { batch: max } : {}),
    accepts(content: unknown) {
      if (!accepts) return true;
      // Asked per delivery for the same template content: parse it once per content object.
      const known = typeof content === 'object' && content !== null ? accepted.get(content) : undefined;
      if (known !== undefined) return known;
      const c = definition.content.safeParse(content);
      const ok = c.success && accepts(c.data);
      if (typeof content === 'object' && content !== null) accepted.set(content, ok);
      return ok;
    },
    admit(receiver: string) {
      const wait = breakers.openFor(keyOf(receiver));
      return wait === undefined ? ({ ok: true } as const) : ({ ok: false, retryAfterMs: wait } as const);
    },
    async send(req: SenderRequest): Promise<SendOutcome> {
      const content = definition.content.safeParse(req.content);
      if (!content.success) {
        const path = content.error.issues[0]?.path.join('.') || '(root)';
        return {
          ok: false,
          retryable: false,
          code: 'CONTENT_INVALID',
          message: `rendered content invalid at ${path}`,
        };
      }
      if (batcher) {
        if (req.traceContext) callerSpan.set(req.delivery, req.traceContext);
        return batcher.add({ delivery: req.delivery, template: req.template, content: content.data });
      }
      try {
        const r = await breakers.run(
          keyOf(req.delivery.receiver),
          () =>
            observed(batching.observe, account, () =>
              client.send({ delivery: req.delivery, template: req.template, content: content.data }),
            ),
          tripsBreaker,
        );
        if (isOpen(r)) return circuitOpen(r.retryAfterMs);
        return r;
      } catch (err) {
        return thrown(err);
      }
    },
    ...(recall
      ? {
          async recall(req: RecallRequest): Promise<RecallOutcome> {
            try {
              return await recall(req);
            } catch (err) {
              return { ok: false, code: 'SENDER_ERROR', message: thrown(err).message };
            }
          },
        }
      : {}),
    async testConnection(): Promise<TestResult> {
      if (!client.testConnection)
        return { ok: false, code: 'NOT_SUPPORTED', message: `${name} has no connection test` };
      try {
        return await client.testConnection();
      } catch (err) {
        return { ok: false, code: 'SENDER_ERROR', message: thrown(err).message };
      }
    },
    ...(callback ? { callback } : {}),
    ...(pull ? { pullReceipts: pull } : {}),
    async close() {
      batcher?.flushAll();
      await client.close?.();
    },
  });
}
