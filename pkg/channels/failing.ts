import type { ChannelSender, SendOutcome } from './types.ts';

/**
 * A sender whose every send fails permanently with one reason: what an account gets when its
 * provider is unknown or its config is invalid, so the delivery fails visibly (with the code in
 * its trace) instead of the handler crashing or retrying forever.
 *
 * @example await failingSender('PROVIDER_UNSUPPORTED', 'no sender for email/foo').send(req)
 * // { ok: false, retryable: false, code: 'PROVIDER_UNSUPPORTED', message: 'no sender for email/foo' }
 */
export function failingSender(code: string, message: string): ChannelSender {
  const outcome: SendOutcome = Object.freeze({ ok: false, retryable: false, code, message });
  return Object.freeze({ send: async () => outcome });
}
