import { templateCalls } from './admin-templates.ts';
import { deadLetterCalls } from './dead-letters.ts';
import { type ClientOptions, createHttpCore, type RequestOptions } from './http.ts';
import type {
  Account,
  AccountCreateBody,
  App,
  AppCreateBody,
  AppCreated,
  AppWithSecret,
  ConfigChange,
  ConnectionTest,
  ListQuery,
  Paged,
  PlatformConfig,
  Provider,
} from './types.ts';

export type AdminClient = ReturnType<typeof createAdminClient>;

const actorHeader = (actor?: string): Record<string, string> => (actor ? { 'x-actor': actor } : {});

/**
 * A typed client of the admin API (admin token): apps, channel accounts, providers, templates
 * with their crowds and runs, live config and dead letters. `request` reaches any other route.
 * Every failure throws a {@link PushApiError}.
 *
 * @example
 * const admin = createAdminClient({ baseUrl, token: adminToken });
 * const { id: appId, apiKey } = await admin.createApp({ name: 'shop' });
 * const acct = await admin.createAccount({ name: 'sb', channel: 'sandbox', provider: 'sandbox', config: {} });
 * const tpl = await admin.createTemplate({ name: 'welcome', appId, channel: 'sandbox',
 *   messageType: 'notice', accountId: acct.id, content: { text: 'Hello {$name}' } });
 */
export function createAdminClient(opts: ClientOptions & { token: string }) {
  const http = createHttpCore(opts);
  const call = async <T>(method: string, path: string, o?: RequestOptions): Promise<T> =>
    (await http<T>(method, path, o)).data;
  const A = '/v1/admin/apps';
  const C = '/v1/admin/accounts';
  return Object.freeze({
    /** `POST /v1/admin/apps` — the answer carries the API key, the only time it is shown. */
    createApp: (body: AppCreateBody) => call<AppCreated>('POST', A, { body }),
    /** `GET /v1/admin/apps?page=&pageSize=&name=&includeDeleted=`. */
    listApps: (q: ListQuery = {}) => call<Paged<App>>('GET', A, { query: { ...q } }),
    getApp: (id: number) => call<App>('GET', `${A}/${id}`),
    /** `PATCH /v1/admin/apps/:id` — carries `callbackSecret` when it set the first callback URL. */
    updateApp: (id: number, patch: Partial<AppCreateBody>) =>
      call<AppWithSecret>('PATCH', `${A}/${id}`, { body: patch }),
    /** `DELETE /v1/admin/apps/:id` — soft: the key stops working, `restoreApp` brings it back. */
    deleteApp: async (id: number): Promise<void> => {
      await http('DELETE', `${A}/${id}`);
    },
    restoreApp: (id: number) => call<App>('POST', `${A}/${id}/restore`),
    /** `POST /v1/admin/apps/:id/rotate-key` — the new key, shown once; the old one stops. */
    rotateAppKey: (id: number) => call<AppCreated>('POST', `${A}/${id}/rotate-key`),
    /** `POST /v1/admin/apps/:id/callback-secret/rotate` — the new secret, shown once. */
    rotateCallbackSecret: (id: number) =>
      call<AppWithSecret & { callbackSecret: string }>('POST', `${A}/${id}/callback-secret/rotate`),

    /** `POST /v1/admin/accounts` — the config is checked against its provider's schema. */
    createAccount: (body: AccountCreateBody) => call<Account>('POST', C, { body }),
    /** `GET /v1/admin/accounts?page=&pageSize=&name=&channel=&includeDeleted=` (configs masked). */
    listAccounts: (q: ListQuery & { channel?: string } = {}) =>
      call<Paged<Account>>('GET', C, { query: { ...q } }),
    getAccount: (id: number) => call<Account>('GET', `${C}/${id}`),
    /** `PATCH /v1/admin/accounts/:id` (config is merged; masked secrets keep the stored value). */
    updateAccount: (id: number, patch: Partial<AccountCreateBody>) =>
      call<Account>('PATCH', `${C}/${id}`, { body: patch }),
    /** `DELETE /v1/admin/accounts/:id` — refused (409) while live templates use it. */
    deleteAccount: async (id: number): Promise<void> => {
      await http('DELETE', `${C}/${id}`);
    },
    restoreAccount: (id: number) => call<Account>('POST', `${C}/${id}/restore`),
    /** `POST /v1/admin/accounts/:id/test` — `{ ok: true }` or `{ ok: false, code, message }`. */
    testAccount: (id: number) => call<ConnectionTest>('POST', `${C}/${id}/test`),
    /** `POST /v1/admin/accounts/:id/callback-token/rotate` — a new receipt route token. */
    rotateCallbackToken: (id: number) => call<Account>('POST', `${C}/${id}/callback-token/rotate`),
    /** `GET /v1/admin/providers` — every provider with its config and content JSON Schemas. */
    listProviders: () => call<Paged<Provider>>('GET', '/v1/admin/providers'),

    ...templateCalls(http),

    /** `GET /v1/admin/config` — the live config in force, defaults filled in. */
    getConfig: () => call<PlatformConfig>('GET', '/v1/admin/config'),
    /** `PUT /v1/admin/config` — replaces it (sections left out take defaults); `actor` is audited. */
    putConfig: (config: PlatformConfig, o: { actor?: string } = {}) =>
      call<PlatformConfig>('PUT', '/v1/admin/config', { body: config, headers: actorHeader(o.actor) }),
    /** `PATCH /v1/admin/config` — replaces only the top-level sections given. */
    patchConfig: (sections: PlatformConfig, o: { actor?: string } = {}) =>
      call<PlatformConfig>('PATCH', '/v1/admin/config', { body: sections, headers: actorHeader(o.actor) }),
    /** `GET /v1/admin/config/history?limit=` — changes, newest first. */
    configHistory: (limit?: number) =>
      call<Paged<ConfigChange>>('GET', '/v1/admin/config/history', { query: { limit } }),

    /** Every app's dead letters: `GET|POST|DELETE /v1/admin/dead-letters…`. */
    ...deadLetterCalls(http, '/v1/admin/dead-letters'),

    /** Any other admin call, e.g. `request('GET', '/v1/admin/…')`. */
    request: <T = unknown>(method: string, path: string, o?: RequestOptions) => call<T>(method, path, o),
  });
}
