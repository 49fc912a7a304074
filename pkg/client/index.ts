/**
 * The typed client of the pushline HTTP API v1: `createClient` (app key: send, recall, traces,
 * stats, sandbox inbox, live tail, the app's dead letters), `createAdminClient` (admin token:
 * apps, accounts, providers, templates, crowds and runs, live config, dead letters) and
 * `createPublicClient` (no credential: probes, metrics, the OpenAPI document, provider callbacks).
 *
 * @example
 * import { createClient, PushApiError } from './index.ts';
 * const push = createClient({ baseUrl: 'http://127.0.0.1:3000', apiKey });
 */
export { type AdminClient, createAdminClient } from './admin.ts';
export { createClient, type PushClient } from './client.ts';
export { type ClientOptions, type FetchLike, PushApiError, parseRetryAfter } from './http.ts';
export { createPublicClient, type PublicClient } from './public.ts';
export type * from './types.ts';
