import type { SendFailure } from '../../definition.ts';

/** The fields of a nodemailer error this classification reads (all optional: errors vary). */
export type SmtpErrorLike = {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
};

/** Client-side errors about the message itself: sending it again cannot help. */
const MESSAGE_ERRORS = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXLIMIT']);

/** A provider's "slow down" in words (servers use 421/450/451 for throttling alike). */
const THROTTLE_TEXT = /rate limit|too many|throttl|slow down/i;

const MAX_MESSAGE = 300;

const shorten = (s: string): string => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);

/**
 * Classifies a failed SMTP send. The reply code decides: 4xx is transient by RFC 5321 (greylisting,
 * mailbox busy, throttling) → retryable; 5xx is a refusal (no such user, policy, bad credentials)
 * → permanent. No reply code means the conversation broke (refused, reset, timeout, TLS) — the
 * mail was not accepted, so it is retryable. Messages carry the server's answer, never
 * credentials (nodemailer's errors never include them).
 *
 * @example classifySmtpError({ responseCode: 451, response: '451 4.3.0 try later' })
 * // { ok: false, retryable: true, code: 'SMTP_451', message: '451 4.3.0 try later' }
 * @example classifySmtpError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:1' })
 * // { ok: false, retryable: true, code: 'SMTP_CONN', message: 'connect ECONNREFUSED 127.0.0.1:1' }
 */
export function classifySmtpError(err: SmtpErrorLike): SendFailure {
  const reply = typeof err.responseCode === 'number' ? err.responseCode : Number.NaN;
  const text = shorten(
    typeof err.response === 'string' && err.response
      ? err.response
      : typeof err.message === 'string'
        ? err.message
        : 'smtp error',
  );
  if (reply >= 400 && reply < 500) {
    const throttled = reply === 421 || THROTTLE_TEXT.test(text);
    return {
      ok: false,
      retryable: true,
      code: `SMTP_${reply}`,
      message: text,
      ...(throttled ? { rateLimited: true } : {}),
    };
  }
  if (reply >= 500 && reply < 600)
    return { ok: false, retryable: false, code: `SMTP_${reply}`, message: text };
  if (typeof err.code === 'string' && MESSAGE_ERRORS.has(err.code)) {
    return { ok: false, retryable: false, code: 'SMTP_MESSAGE', message: text };
  }
  return { ok: false, retryable: true, code: 'SMTP_CONN', message: text };
}
