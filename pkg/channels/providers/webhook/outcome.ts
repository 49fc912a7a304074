import { failure, type SendOutcome } from '../../definition.ts';
import { retryAfterMs } from '../../kit/retry-after.ts';
import { HttpError, type HttpResponse } from '../../kit/types.ts';
import { WEBHOOK_ERRORS } from './errors.ts';

/**
 * What a receiver's answer (or its absence) means for a delivery. Receiver URLs are typed by
 * callers and often carry credentials or tokens (`?token=`, `user:pass@`), so outcome messages,
 * which become lifecycle reasons and logs, name the host and at most a path, never the full URL.
 */

/**
 * A URL without credentials, query or fragment (`https://host:port/path`), for messages.
 *
 * @example safeUrl(new URL('https://u:p@h.example/a?token=1#x')) // 'https://h.example/a'
 */
export const safeUrl = (u: URL): string => `${u.protocol}//${u.host}${u.pathname}`;

const header = (res: HttpResponse, name: string): string | undefined => {
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
};

/** Where a redirect pointed, resolved against the target and stripped for a message. */
function redirectTarget(location: string | undefined, target: URL): string {
  if (!location) return 'no location';
  try {
    return safeUrl(new URL(location, target));
  } catch {
    return 'an unreadable location';
  }
}

/**
 * The outcome of an HTTP answer: 2xx sent; 3xx permanent (never followed); 410 permanent; 429
 * rate limited; 408 and 5xx retryable; other statuses permanent. Retry-After is honoured on
 * every failure that may be retried.
 *
 * @example responseOutcome({ status: 204, ... }, new URL('https://h.example/x'), 'msg_1', Date.now())
 * // { ok: true, providerMessageId: 'msg_1' }
 */
export function responseOutcome(
  res: HttpResponse,
  target: URL,
  messageId: string,
  nowMs: number,
): SendOutcome {
  const { status } = res;
  if (status >= 200 && status < 300) return { ok: true, providerMessageId: messageId };
  if (status >= 300 && status < 400) {
    const to = redirectTarget(header(res, 'location'), target);
    return failure(
      WEBHOOK_ERRORS,
      'HTTP_3XX',
      `HTTP ${status} from ${target.host}: redirect to ${to} not followed`,
    );
  }
  const retryAfter = retryAfterMs(header(res, 'retry-after'), nowMs);
  return failure(WEBHOOK_ERRORS, `HTTP_${status}`, `HTTP ${status} from ${target.host}`, {
    fallback: status >= 500 && status < 600 ? 'retryable' : 'permanent',
    ...(retryAfter !== undefined && (status === 429 || status === 408 || status >= 500)
      ? { retryAfterMs: retryAfter }
      : {}),
  });
}

/** `message` with every spelling of the receiver URL replaced by its safe form. */
function scrub(message: string, receiver: string, target: URL): string {
  let out = message.replaceAll(receiver, safeUrl(target)).replaceAll(target.href, safeUrl(target));
  if (target.search.length > 1) out = out.replaceAll(target.search, '');
  if (target.username || target.password) {
    out = out.replaceAll(`${target.username}${target.password ? `:${target.password}` : ''}@`, '');
  }
  return out;
}

/**
 * The outcome of a call that got no answer: the kit's {@link HttpError} keeps its code and its
 * retryability (`HTTP_BLOCKED_ADDRESS`: permanent, with the guard's reason); anything else is an
 * unknown transport error, retried.
 *
 * @example transportOutcome(new HttpError('HTTP_TIMEOUT', 'timed out'), url, new URL(url)).retryable // true
 */
export function transportOutcome(err: unknown, receiver: string, target: URL): SendOutcome {
  if (err instanceof HttpError) {
    const message = scrub(err.message, receiver, target);
    return failure(WEBHOOK_ERRORS, err.code, message, {
      fallback: err.retryable ? 'retryable' : 'permanent',
    });
  }
  const text = err instanceof Error ? err.message : String(err);
  return failure(WEBHOOK_ERRORS, 'HTTP_ERROR', `${target.host}: ${scrub(text, receiver, target)}`, {
    fallback: 'retryable',
  });
}
