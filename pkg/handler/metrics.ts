import type { SendOutcome } from '../channels/definition.ts';
import type { SenderObserver } from '../channels/sender.ts';
import type { Ledger } from '../lifecycle/ledger.ts';
import type { HandlerMetrics } from '../telemetry/metrics.ts';

/** How a provider call ended, as `push_provider_call_duration_seconds` labels it. */
export type CallOutcome = 'ok' | 'retryable' | 'permanent' | 'in_doubt';

/**
 * One outcome's label: in doubt (sent, no answer) apart from retryable, permanent the rest.
 *
 * @example outcomeOf({ ok: false, retryable: true, code: 'HTTP_500', message: '' }) // 'retryable'
 */
export function outcomeOf(o: SendOutcome): CallOutcome {
  if (o.ok) return 'ok';
  if (o.inDoubt) return 'in_doubt';
  return o.retryable ? 'retryable' : 'permanent';
}

/**
 * The senders' observer of a handler: each provider call's duration by outcome (a batch call
 * is `ok` when the provider took any of it, else its first failure's kind), each failed result
 * by its code, and each access-token fetch.
 *
 * @example createPlatformSenders({ ..., batching: { lingerMs, gate, observe: providerObserver(metrics) } });
 */
export function providerObserver(
  m: Pick<HandlerMetrics, 'providerLatency' | 'providerErrors' | 'tokenRefreshes'>,
): SenderObserver {
  return Object.freeze({
    call({ account, outcomes, seconds }) {
      const first = outcomes.find((o) => o.ok) ?? outcomes[0];
      const outcome = first ? outcomeOf(first) : 'ok';
      m.providerLatency.observe({ channel: account.channel, provider: account.provider, outcome }, seconds);
      for (const o of outcomes) if (!o.ok) m.providerErrors.inc({ provider: account.provider, code: o.code });
    },
    tokenFetch(account, ok) {
      m.tokenRefreshes.inc({ provider: account.provider, outcome: ok ? 'ok' : 'error' });
    },
  });
}

/**
 * The ledger of a handler, counting every state it records (`push_deliveries_total`) by route
 * and provider; a state the ledger refused (the message had already ended) is not counted.
 * A give-up records two states, `failed` and `dead_lettered`.
 *
 * @example const ledger = meteredLedger(core.ledger, metrics);
 */
export function meteredLedger(ledger: Ledger, m: Pick<HandlerMetrics, 'deliveries'>): Ledger {
  type D = Parameters<Ledger['finish']>[0];
  const count = (d: D, provider: string | undefined, ...states: string[]) => {
    for (const state of states)
      m.deliveries.inc({ route: `${d.channel}.${d.messageType}`, provider: provider ?? '', state });
  };
  return Object.freeze({
    ...ledger,
    async finish(d, state, extra = {}) {
      const done = await ledger.finish(d, state, extra);
      if (done) count(d, extra.account?.provider, state);
      return done;
    },
    async fail(d, reason, extra = {}) {
      const done = await ledger.fail(d, reason, extra);
      if (done) count(d, extra.account?.provider, 'failed', 'dead_lettered');
      return done;
    },
  } satisfies Ledger);
}
