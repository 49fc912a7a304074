import type { Entry, Settlement } from '../bus/entry.ts';
import { type ChannelSender, CIRCUIT_OPEN, type SenderAccount } from '../channels/sender.ts';
import type { Route } from '../domain/channels.ts';
import { type Delivery, decodeDelivery, encodeDelivery } from '../domain/delivery.ts';
import { AppError } from '../domain/errors.ts';
import { renderContent } from '../domain/render.ts';
import type { State } from '../domain/states.ts';
import type { Template } from '../domain/template.ts';
import type { AccountTag, Ledger } from '../lifecycle/ledger.ts';
import type { Logger } from '../telemetry/logger.ts';
import { backoffMs } from './retry.ts';

/** What a filter chain decided (see pkg/pipeline). */
export type FilterVerdict =
  | { kind: 'pass' }
  | { kind: 'drop'; state: State; reason: string }
  | { kind: 'delay'; state: State; until: number; reason: string };

export type DeliverDeps = Readonly<{
  ledger: Ledger;
  /** Stream key → route, for the streams this handler reads. */
  routeOf: (stream: string) => Route | undefined;
  template: (id: number) => Promise<Template | undefined>;
  /** The account with its decrypted config (never logged). */
  account: (id: number) => Promise<SenderAccount | undefined>;
  sender: (account: SenderAccount) => ChannelSender;
  /** The filter chain; absent = everything passes. */
  filter?: (input: {
    delivery: Delivery;
    template: Template;
    rendered: unknown;
    now: number;
  }) => Promise<FilterVerdict>;
  /** Told when a provider answered "rate limited", so the limiter can cool down. */
  onRateLimited?: (accountId: number) => void;
  retry: Readonly<{ maxAttempts: number; baseMs: number; maxMs: number }>;
  consumer: string;
  now?: () => number;
  random?: () => number;
  log: Logger;
}>;

const fieldsOf = (d: Delivery): Record<string, string> => {
  const flat = encodeDelivery(d);
  const o: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) o[flat[i]!] = flat[i + 1]!;
  return o;
};

/**
 * The handler's work for one delivery stream entry: render, filter, record the attempt, call the
 * provider, and decide what becomes of the entry (ack, retry later, dead-letter). Every state is
 * recorded together with its event (pkg/lifecycle). A throw leaves the entry pending; the bus
 * re-delivers it after the visibility timeout.
 *
 * @example const handle = createDeliver(deps); const settlement = await handle(entry);
 */
export function createDeliver(deps: DeliverDeps): (entry: Entry) => Promise<Settlement> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const { ledger } = deps;

  const fail = async (
    d: Delivery,
    code: string,
    message: string,
    account?: AccountTag,
  ): Promise<Settlement> => {
    await ledger.fail(d, code, account ? { account } : {});
    return { kind: 'dead', fields: { ...fieldsOf(d), dlq_reason: code, dlq_message: message.slice(0, 500) } };
  };
  /** Holds a delivery back while its breaker is open, without spending one of its attempts. */
  const holdBack = async (d: Delivery, waitMs: number, account: AccountTag): Promise<Settlement> => {
    await ledger.finish(d, 'retrying', { reason: CIRCUIT_OPEN, account });
    const wait = Math.max(100, Math.min(waitMs, deps.retry.maxMs)) + Math.floor(random() * 250);
    return { kind: 'delay', dueAt: now() + wait, fields: fieldsOf(d) };
  };

  return async function deliver(entry: Entry): Promise<Settlement> {
    const route = deps.routeOf(entry.stream);
    const parsed = route ? route.split('.') : [];
    const d = route
      ? decodeDelivery(parsed[0] as Delivery['channel'], parsed[1] as Delivery['messageType'], entry.fields)
      : undefined;
    if (!d) {
      deps.log.warn({ stream: entry.stream, entryId: entry.id }, 'malformed delivery entry dead-lettered');
      return { kind: 'dead', fields: { ...entry.fields, dlq_reason: 'MALFORMED' } };
    }

    const template = await deps.template(d.templateId);
    if (!template) return fail(d, 'TEMPLATE_NOT_FOUND', `template ${d.templateId} does not exist`);
    let rendered: unknown;
    try {
      rendered = renderContent(template.content, d.variables);
    } catch (err) {
      if (err instanceof AppError) return fail(d, err.code, err.message);
      throw err;
    }

    if (deps.filter) {
      // A message that already ended (recalled while queued, sent before a crash) must not run
      // the filters: their side effects (content-dedup markers, frequency counts, rate tokens)
      // would count a message that is never sent against the receiver's later ones.
      const ended = await ledger.ended(d.id);
      if (ended === 'failed') return { kind: 'dead', fields: { ...fieldsOf(d), dlq_reason: 'FAILED' } };
      if (ended !== undefined) return { kind: 'ack' };
      const v = await deps.filter({ delivery: d, template, rendered, now: now() });
      if (v.kind === 'drop') {
        await ledger.finish(d, v.state, { reason: v.reason });
        return { kind: 'ack' };
      }
      if (v.kind === 'delay') {
        await ledger.finish(d, v.state, { reason: v.reason });
        return { kind: 'delay', dueAt: v.until, fields: fieldsOf(d) };
      }
    }

    const account = await deps.account(template.accountId);
    if (!account) return fail(d, 'ACCOUNT_NOT_FOUND', `channel account ${template.accountId} does not exist`);
    const tag: AccountTag = { id: account.id, provider: account.provider };
    const sender = deps.sender(account);
    const admitted = sender.admit(d.receiver);
    if (!admitted.ok) return holdBack(d, admitted.retryAfterMs, tag);

    const begin = await ledger.begin(d, deps.consumer, now(), entry.deliveries > 1, tag);
    if (begin.kind === 'sent' || begin.kind === 'cancelled' || begin.kind === 'busy') return { kind: 'ack' };
    if (begin.kind === 'final') {
      // Ended before a crash hid the settlement: repeat it, emit nothing.
      return begin.state === 'failed'
        ? { kind: 'dead', fields: { ...fieldsOf(d), dlq_reason: 'FAILED' } }
        : { kind: 'ack' };
    }

    // The sender never throws: client throws and open breakers come back as outcomes.
    const outcome = await sender.send({ delivery: d, template, content: rendered });
    if (outcome.ok) {
      await ledger.finish(d, 'sent', { providerMessageId: outcome.providerMessageId ?? '', account: tag });
      return { kind: 'ack' };
    }
    if (outcome.code === CIRCUIT_OPEN) return holdBack(d, outcome.retryAfterMs ?? deps.retry.baseMs, tag);
    if (outcome.rateLimited) deps.onRateLimited?.(account.id);
    if (outcome.retryable && d.attempt < deps.retry.maxAttempts) {
      const wait = backoffMs({
        attempt: d.attempt,
        baseMs: deps.retry.baseMs,
        maxMs: deps.retry.maxMs,
        random,
        retryAfterMs: outcome.retryAfterMs,
      });
      await ledger.finish(d, 'retrying', { reason: `${outcome.code} (attempt ${d.attempt})`, account: tag });
      return { kind: 'delay', dueAt: now() + wait, fields: fieldsOf({ ...d, attempt: d.attempt + 1 }) };
    }
    return fail(d, outcome.code, outcome.message, tag);
  };
}
