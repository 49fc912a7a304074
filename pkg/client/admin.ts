import { createHttpCore, type FetchLike, type RequestOptions } from './http.ts';
import type {
  Account,
  AccountCreateBody,
  AppCreateBody,
  AppCreated,
  AppWithSecret,
  PlatformConfig,
  Template,
  TemplateCreateBody,
} from './types.ts';

export type AdminClient = ReturnType<typeof createAdminClient>;

/**
 * A small client of the admin API (admin token): enough to set up apps, accounts, templates and
 * live config from tests, benchmarks and scripts. `request` reaches any other admin route.
 *
 * @example
 * const admin = createAdminClient({ baseUrl, token: adminToken });
 * const { apiKey } = await admin.createApp({ name: 'shop' });
 * const acct = await admin.createAccount({ name: 'sb', channel: 'sandbox', provider: 'sandbox', config: {} });
 * const tpl = await admin.createTemplate({ name: 'welcome', channel: 'sandbox', messageType: 'notice',
 *   accountId: acct.id, content: { text: 'Hello {$name}' } });
 */
export function createAdminClient(opts: {
  baseUrl: string;
  token: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}) {
  const http = createHttpCore(opts);
  const call = async <T>(method: string, path: string, o?: RequestOptions): Promise<T> =>
    (await http<T>(method, path, o)).data;
  return Object.freeze({
    /** `POST /v1/admin/apps` — the answer carries the API key, the only time it is shown. */
    createApp: (body: AppCreateBody) => call<AppCreated>('POST', '/v1/admin/apps', { body }),
    /** `PATCH /v1/admin/apps/:id` — carries `callbackSecret` when it set the first callback URL. */
    updateApp: (id: number, patch: Partial<AppCreateBody>) =>
      call<AppWithSecret>('PATCH', `/v1/admin/apps/${id}`, { body: patch }),
    /** `POST /v1/admin/apps/:id/callback-secret/rotate` — the new secret, shown once. */
    rotateCallbackSecret: (id: number) =>
      call<AppWithSecret & { callbackSecret: string }>('POST', `/v1/admin/apps/${id}/callback-secret/rotate`),
    createAccount: (body: AccountCreateBody) => call<Account>('POST', '/v1/admin/accounts', { body }),
    /** `PATCH /v1/admin/accounts/:id` (config is merged; masked secrets keep the stored value). */
    updateAccount: (id: number, patch: Partial<AccountCreateBody>) =>
      call<Account>('PATCH', `/v1/admin/accounts/${id}`, { body: patch }),
    createTemplate: (body: TemplateCreateBody) => call<Template>('POST', '/v1/admin/templates', { body }),
    updateTemplate: (id: number, patch: Partial<TemplateCreateBody>) =>
      call<Template>('PATCH', `/v1/admin/templates/${id}`, { body: patch }),
    getConfig: () => call<PlatformConfig>('GET', '/v1/admin/config'),
    putConfig: (config: PlatformConfig) => call<PlatformConfig>('PUT', '/v1/admin/config', { body: config }),
    /** Any other admin call, e.g. `request('POST', '/v1/admin/templates/3/start')`. */
    request: <T = unknown>(method: string, path: string, o?: RequestOptions) => call<T>(method, path, o),
  });
}
