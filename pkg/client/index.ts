/**
 * The typed client of the pushline HTTP API v1.
 *
 * @example
 * import { createClient, PushApiError } from './index.ts';
 * const push = createClient({ baseUrl: 'http://127.0.0.1:3000', apiKey });
 */
export { type AdminClient, createAdminClient } from './admin.ts';
export { createClient, type PushClient } from './client.ts';
export { type FetchLike, PushApiError, parseRetryAfter } from './http.ts';
export type * from './types.ts';
