import { type Span, SpanStatusCode } from '@opentelemetry/api';

/** What a provider call's outcome looks like to tracing (a `SendOutcome` of pkg/channels fits). */
export type TracedOutcome = Readonly<{
  ok: boolean;
  code?: string;
  retryable?: boolean;
  rateLimited?: boolean;
  tokenExpired?: boolean;
  inDoubt?: boolean;
}>;

/**
 * The kind of a provider call's outcome, the value of `push.outcome`: `sent`, `rate_limited`,
 * `token_expired`, `in_doubt` (sent, no answer), `circuit_open` (no call made), `retryable`,
 * `permanent`.
 *
 * @example outcomeKind({ ok: false, code: 'HTTP_429', retryable: true, rateLimited: true }) // 'rate_limited'
 */
export function outcomeKind(o: TracedOutcome): string {
  if (o.ok) return 'sent';
  if (o.rateLimited) return 'rate_limited';
  if (o.tokenExpired) return 'token_expired';
  if (o.inDoubt) return 'in_doubt';
  if (o.code === 'CIRCUIT_OPEN') return 'circuit_open';
  return o.retryable ? 'retryable' : 'permanent';
}

/**
 * Records a provider call's outcome on its span: `push.outcome`, and on failure
 * `push.error_code` (the provider's or the kit's code, never the message: it may quote the
 * receiver) with the span's status set to error.
 *
 * @example recordOutcome(span, outcome);
 */
export function recordOutcome(span: Span, o: TracedOutcome): void {
  if (!span.isRecording()) return;
  span.setAttribute('push.outcome', outcomeKind(o));
  if (!o.ok) {
    span.setAttribute('push.error_code', o.code ?? '');
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}
