import type { SpanContext } from '@opentelemetry/api';
import type { Entry, Settlement } from '../bus/entry.ts';
import { type ChannelSender, CIRCUIT_OPEN, type SenderAccount } from '../channels/sender.ts';
import type { Route } from '../domain/channels.ts';
import { isDatabaseUnavailable } from '../domain/database-unavailable.ts';
import { type Delivery, decodeDelivery, encodeDelivery } from '../domain/delivery.ts';
import { AppError } from '../domain/errors.ts';
import { renderContent } from '../domain/render.ts';
import type { State } from '../domain/states.ts';
import type { Template } from '../domain/template.ts';
import type { AccountTag, Ledger } from '../lifecycle/ledger.ts';
import type { RouteAccount } from '../pipeline/live-config-schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { recordOutcome } from '../telemetry/span-outcome.ts';
import { contextOf, inSpan, SpanKind } from '../telemetry/tracing.ts';
import { backoffMs } from './retry.ts';
import { accountOrder } from './routing.ts';

/**
 * What a filter chain decided (see pkg/pipeline). A pass may carry rewritten content (sensitive
 * words masked) to send instead, and states to record on the way (`sensitive_masked`).
 */
export type FilterVerdict =
  | { kind: 'pass'; rendered?: unknown; notes?: readonly { state: State; reason: string }[] }
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
  /** The weighted accounts of a route (live config `routing`), for templates naming no account. */
  routing?: (route: Route) => readonly RouteAccount[] | undefined;
  /** Told when a message went on to the route's next account within its attempt. */
  onFailover?: (from: AccountTag, to: AccountTag, code: string) => void;
  retry: Readonly<{ maxAttempts: number; baseMs: number; maxMs: number }>;
  consumer: string;
  now?: () => number;
  random?: () => number;
  log: Logger;
}>;

/**
 * How long a delivery whose lookups met a database outage waits before it is tried again (plus up
 * to half as much jitter): short, so deliveries go out within seconds of the database coming back
 * instead of after the visibility timeout; the lookups' caches keep most deliveries from waiting.
 */
export const DATABASE_WAIT_MS = 1000;

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
 * re-delivers it after the visibility timeout. Except when the database is unreachable before the
 * attempt began (template, account or rate-limit lookup with nothing cached): nothing was
 * recorded, so the entry is parked unchanged for about a second and tried again (see
 * {@link DATABASE_WAIT_MS}) — no attempt spent, no provider failure, no dead letter.
 *
 * @example const handle = createDeliver(deps); const settlement = await handle(entry);
 */
export function createDeliver(deps: DeliverDeps): (entry: Entry, span?: SpanContext) => Promise<Settlement> {
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

  /** The entry back in about a second, as it was: its lookups met a database outage. */
  const waitForDatabase = (entry: Entry, err: unknown): Settlement => {
    deps.log.warn(
      { err, stream: entry.stream, entryId: entry.id, messageId: entry.fields.id },
      'database unavailable: delivery parked and tried again shortly',
    );
    return {
      kind: 'delay',
      dueAt: now() + DATABASE_WAIT_MS + Math.floor(random() * DATABASE_WAIT_MS * 0.5),
      fields: entry.fields,
    };
  };

  /** `span`: the delivery's span (tracing on), parent of its provider-call spans. */
  return async function deliver(entry: Entry, span?: SpanContext): Promise<Settlement> {
    const progress = { begun: false };
    try {
      return await attempt(entry, progress, span);
    } catch (err) {
      if (progress.begun || !isDatabaseUnavailable(err)) throw err;
      return waitForDatabase(entry, err);
    }
  };

  /** `progress.begun`: the attempt is recorded (from then on a throw is left to the bus). */
  async function attempt(
    entry: Entry,
    progress: { begun: boolean },
    span?: SpanContext,
  ): Promise<Settlement> {
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
      // Rendering is pure: the same template and variables fail the same way on every delivery
      // (a RangeError from content nested past the stack, say), so it is permanent: dead-letter
      // it once rather than leave it pending to be redelivered forever.
      deps.log.warn({ err, messageId: d.id, templateId: d.templateId }, 'rendering failed; dead-lettered');
      return fail(d, 'RENDER_FAILED', `cannot render template ${d.templateId}: ${(err as Error).name}`);
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
      if (v.rendered !== undefined) rendered = v.rendered;
      for (const n of v.notes ?? []) await ledger.finish(d, n.state, { reason: n.reason });
    }

    // The accounts this message may go through, in order: the pinned one after an in-doubt
    // attempt, else the template's, else the route's weighted list (picked per message id) with
    // the others as failover. Only accounts whose provider can take the content count.
    const ids =
      d.pinnedAccountId !== undefined
        ? [d.pinnedAccountId]
        : template.accountId !== null
          ? [template.accountId]
          : accountOrder(d.id, deps.routing?.(route!) ?? []);
    const candidates: { account: SenderAccount; sender: ChannelSender; tag: AccountTag }[] = [];
    for (const id of ids) {
      const account = await deps.account(id);
      if (!account) continue;
      const sender = deps.sender(account);
      if (sender.accepts(template.content)) {
        candidates.push({ account, sender, tag: { id: account.id, provider: account.provider } });
      }
    }
    if (candidates.length === 0) {
      if (ids.length === 1 && template.accountId !== null && d.pinnedAccountId === undefined) {
        return fail(d, 'ACCOUNT_NOT_FOUND', `channel account ${ids[0]} does not exist`);
      }
      return fail(
        d,
        'NO_ACCOUNT',
        ids.length === 0
          ? `template ${template.id} names no account and route ${route} has none in the live config routing`
          : `no account of route ${route} can send template ${template.id} (accounts ${ids.join(', ')})`,
      );
    }
    // An open breaker hands the message to the next account; with every breaker open it waits.
    const admitted = candidates.map((c) => c.sender.admit(d.receiver));
    let at = admitted.findIndex((a) => a.ok);
    if (at < 0) {
      const waits = admitted.map((a) => (a.ok ? 0 : a.retryAfterMs));
      return holdBack(d, Math.min(...waits), candidates[0]!.tag);
    }

    progress.begun = true;
    const begin = await ledger.begin(d, deps.consumer, now(), entry.deliveries > 1, candidates[at]!.tag);
    if (begin.kind === 'sent' || begin.kind === 'cancelled' || begin.kind === 'busy') return { kind: 'ack' };
    if (begin.kind === 'final') {
      // Ended before a crash hid the settlement: repeat it, emit nothing.
      return begin.state === 'failed'
        ? { kind: 'dead', fields: { ...fieldsOf(d), dlq_reason: 'FAILED' } }
        : { kind: 'ack' };
    }

    for (;;) {
      const { account, sender, tag } = candidates[at]!;
      // The sender never throws: client throws and open breakers come back as outcomes.
      const outcome = await inSpan(
        'push.provider.call',
        undefined,
        { 'push.provider': account.provider, 'push.account_id': account.id, 'push.channel': account.channel },
        async (call) => {
          const traceContext = contextOf(call);
          const o = await sender.send({
            delivery: d,
            template,
            content: rendered,
            ...(traceContext ? { traceContext } : {}),
          });
          recordOutcome(call, o);
          return o;
        },
        { kind: SpanKind.CLIENT, ...(span ? { parent: span } : {}) },
      );
      if (outcome.ok) {
        await ledger.finish(d, 'sent', {
          providerMessageId: outcome.providerMessageId ?? '',
          ...(outcome.segments ? { segments: outcome.segments } : {}),
          account: tag,
        });
        return { kind: 'ack' };
      }
      if (outcome.rateLimited) deps.onRateLimited?.(account.id);
      // Proven not taken (refused, 5xx, rate limited, an account-level refusal, an open
      // breaker): the next admitted account takes it within this attempt. In doubt never.
      if ((outcome.failover || outcome.code === CIRCUIT_OPEN) && !outcome.inDoubt) {
        const next = candidates.findIndex((c, i) => i > at && c.sender.admit(d.receiver).ok);
        if (next > 0) {
          deps.onFailover?.(tag, candidates[next]!.tag, outcome.code);
          at = next;
          continue;
        }
      }
      if (outcome.code === CIRCUIT_OPEN) return holdBack(d, outcome.retryAfterMs ?? deps.retry.baseMs, tag);
      if (outcome.retryable && d.attempt < deps.retry.maxAttempts) {
        const wait = backoffMs({
          attempt: d.attempt,
          baseMs: deps.retry.baseMs,
          maxMs: deps.retry.maxMs,
          random,
          retryAfterMs: outcome.retryAfterMs,
        });
        const reason = `${outcome.inDoubt ? 'IN_DOUBT ' : ''}${outcome.code} (attempt ${d.attempt})`;
        await ledger.finish(d, 'retrying', { reason, account: tag });
        // An in-doubt attempt may have been sent: its retry goes to the same account only.
        const retry: Delivery = {
          ...d,
          attempt: d.attempt + 1,
          ...(outcome.inDoubt ? { pinnedAccountId: account.id } : {}),
        };
        return { kind: 'delay', dueAt: now() + wait, fields: fieldsOf(retry) };
      }
      return fail(d, outcome.code, outcome.message, tag);
    }
  }
}
