import { type ErrorClass, type ErrorTable, failure, type SendFailure } from './definition.ts';
import { scrub } from './kit/scrub.ts';
import { HttpError } from './kit/types.ts';

/**
 * What the kit's HTTP client threw, as an {@link HttpError} (anything else is an `HTTP_ERROR`).
 *
 * @example asHttpError(new Error('boom')).code // 'HTTP_ERROR'
 */
export const asHttpError = (err: unknown): HttpError =>
  err instanceof HttpError ? err : new HttpError('HTTP_ERROR', String((err as Error)?.message));

/**
 * The failure of a call that got no answer, classified by `table` (the kit's transport codes:
 * spread `TRANSPORT_ERRORS` into it), its message scrubbed of `secrets`.
 *
 * @example transportFailure(TABLE, err, [config.appSecret]).code // 'HTTP_TIMEOUT'
 */
export function transportFailure(
  table: ErrorTable,
  err: unknown,
  secrets: readonly string[],
  opts: { inDoubt?: boolean } = {},
): SendFailure {
  const e = asHttpError(err);
  return failure(table, e.code, scrub(e.message, secrets), {
    fallback: e.retryable ? 'retryable' : 'permanent',
    ...opts,
  });
}

/**
 * The class of an answer that is not the provider's own shape, by HTTP status: 429 slow down,
 * 5xx retry, anything else permanent.
 *
 * @example statusClass(503) // 'retryable'
 */
export const statusClass = (status: number): ErrorClass =>
  status === 429 ? 'rate_limited' : status >= 500 ? 'retryable' : 'permanent';

/**
 * A token that could not be fetched; `failure` says why (never with a secret in it). Thrown from
 * a token fetch inside `kit.tokens.withToken`, caught by the client into its outcome.
 *
 * @example throw new TokenFetchError(failure(TABLE, '40013', 'invalid corpid'));
 */
export class TokenFetchError extends Error {
  readonly failure: SendFailure;
  constructor(f: SendFailure) {
    super(f.message);
    this.name = 'TokenFetchError';
    this.failure = f;
  }
}
