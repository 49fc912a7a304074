import type { Entry, Settlement } from '../bus/entry.ts';
import { webhookHeaders } from '../channels/kit/standard-webhooks.ts';
import type { HttpClient } from '../channels/kit/types.ts';
import { backoffMs } from '../handler/retry.ts';
import type { Logger } from '../telemetry/logger.ts';
import { outcomeOfError, outcomeOfResponse, type PostOutcome } from './outcome.ts';
import { decodeItem, type OutboxItem } from './payload.ts';
import { type CallbackTarget, logSafeUrl } from './settings.ts';

/** What the poster needs. @example createPoster({ http, target, log, now, random, maxAttempts: 8, … }) */
export type PosterDeps = Readonly<{
  http: HttpClient;
  /** The app's callback settings (cached by the caller); undefined = callbacks off since. */
  target: (appId: number) => Promise<CallbackTarget | undefined>;
  log: Logger;
  now: () => number;
  random: () => number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  /** Posts in flight to one app at most; the rest wait, so one hanging receiver cannot take every slot. */
  perAppConcurrency: number;
  onOutcome?: (kind: 'posted' | 'retried' | 'dead' | 'dropped' | 'deferred') => void;
}>;

const USER_AGENT = 'pushline-callbacks/1';

/**
 * The second half of the callbacks: posts one outbox entry to its app, signed per Standard
 * Webhooks with the app's current secret (a rotation applies to retries too), and turns the
 * outcome into a settlement of the outbox entry: ack when posted, a delayed retry with
 * exponential backoff and full jitter, or a dead letter (`dlq_reason`, `dlq_message`) when the
 * receiver is gone, refuses, or `maxAttempts` are spent. Logs name the app, the webhook id and
 * the receiver's origin, never its path, query or the secret.
 *
 * @example
 * const post = createPoster({ http, target, log, now: Date.now, random: Math.random, maxAttempts: 8,
 *   retryBaseMs: 5000, retryMaxMs: 3_600_000, timeoutMs: 10_000, perAppConcurrency: 4 });
 * await post(entry); // { kind: 'ack' } once the receiver answered 2xx
 */
export function createPoster(deps: PosterDeps): (entry: Entry) => Promise<Settlement> {
  const inFlight = new Map<number, number>();
  const report = deps.onOutcome ?? (() => undefined);

  const post = async (item: OutboxItem, target: CallbackTarget): Promise<PostOutcome> => {
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders(target.callbackSecret, item.webhookId, item.body, deps.now()),
    };
    try {
      const res = await deps.http.request({
        method: 'POST',
        url: target.callbackUrl,
        headers,
        body: item.body,
        timeoutMs: deps.timeoutMs,
      });
      return outcomeOfResponse(res);
    } catch (err) {
      return outcomeOfError(err);
    }
  };

  return async (entry) => {
    const item = decodeItem(entry.fields);
    if (!item) {
      report('dead');
      return { kind: 'dead', fields: { ...entry.fields, dlq_reason: 'MALFORMED' } };
    }
    const target = await deps.target(item.appId);
    if (!target) {
      // Callbacks were turned off (or the app deleted) after the event was routed.
      report('dropped');
      return { kind: 'ack' };
    }
    const busy = inFlight.get(item.appId) ?? 0;
    if (busy >= deps.perAppConcurrency) {
      // Not an attempt: wait a moment and come back, leaving the slot to other apps.
      report('deferred');
      return {
        kind: 'delay',
        dueAt: deps.now() + 500 + Math.floor(deps.random() * 1000),
        fields: entry.fields,
      };
    }
    inFlight.set(item.appId, busy + 1);
    let outcome: PostOutcome;
    try {
      outcome = await post(item, target);
    } finally {
      const left = (inFlight.get(item.appId) ?? 1) - 1;
      if (left > 0) inFlight.set(item.appId, left);
      else inFlight.delete(item.appId);
    }

    if (outcome.kind === 'done') {
      report('posted');
      return { kind: 'ack' };
    }
    const attempts = item.attempts + 1;
    const where = {
      appId: item.appId,
      webhookId: item.webhookId,
      to: logSafeUrl(target.callbackUrl),
      attempts,
    };
    if (outcome.kind === 'retry' && attempts < deps.maxAttempts) {
      const wait = backoffMs({
        attempt: attempts,
        baseMs: deps.retryBaseMs,
        maxMs: deps.retryMaxMs,
        random: deps.random,
        retryAfterMs: outcome.retryAfterMs,
      });
      deps.log.info({ ...where, reason: outcome.reason, retryInMs: wait }, 'status callback will be retried');
      report('retried');
      return {
        kind: 'delay',
        dueAt: deps.now() + wait,
        fields: { ...entry.fields, n: String(attempts), rsn: outcome.reason },
      };
    }
    const message =
      outcome.kind === 'retry' ? `gave up after ${attempts} attempts: ${outcome.message}` : outcome.message;
    deps.log.warn({ ...where, reason: outcome.reason, message }, 'status callback dead-lettered');
    report('dead');
    return {
      kind: 'dead',
      fields: {
        ...entry.fields,
        n: String(attempts),
        rsn: outcome.reason,
        dlq_reason: outcome.reason,
        dlq_message: message,
      },
    };
  };
}
