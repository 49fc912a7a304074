import { type ErrorTable, TRANSPORT_ERRORS } from '../../definition.ts';

/**
 * The webhook's error codes and what they mean for a delivery (Standard Webhooks delivery
 * semantics, PROVIDERS.md §13.4). HTTP answers are `HTTP_<status>` (`HTTP_3XX` for every
 * redirect, which is never followed); transport failures keep the kit's `HttpError` codes.
 * Statuses not listed fall back by range in the client: other 5xx retryable, other 4xx permanent.
 *
 * @example failure(WEBHOOK_ERRORS, 'HTTP_429', 'too many requests').rateLimited // true
 */
export const WEBHOOK_ERRORS: ErrorTable = Object.freeze({
  ...TRANSPORT_ERRORS,
  /** A redirect: its target was never asked (SSRF), so the endpoint must be fixed by a human. */
  HTTP_3XX: 'permanent',
  HTTP_408: 'retryable',
  /** `410 Gone`: the spec's "disable this endpoint". */
  HTTP_410: 'permanent',
  HTTP_500: 'retryable',
  HTTP_502: 'retryable',
  HTTP_503: 'retryable',
  HTTP_504: 'retryable',
  /** Refused by the SSRF guard (loopback, private, link-local, metadata…): never sent. */
  HTTP_BLOCKED_ADDRESS: 'permanent',
  /** The receiver is not an http(s) URL. */
  INVALID_URL: 'permanent',
  /** A header (account or rendered content) is not a valid HTTP header. */
  INVALID_HEADER: 'permanent',
});
