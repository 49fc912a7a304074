import { OpenAPIHono } from '@hono/zod-openapi';
import { catalog } from '../../channels/catalog.ts';
import type { TestResult } from '../../channels/definition.ts';
import type { Repos } from '../../store/repos.ts';
import { type Logger, silentLogger } from '../../telemetry/logger.ts';
import { accountRoutes } from './accounts.ts';
import { appRoutes } from './apps.ts';
import { cronRoutes } from './cron.ts';
import { crowdRunRoutes } from './crowd.ts';
import type { ChangeHook } from './hooks.ts';
import { providerRoutes } from './providers.ts';
import { templateRoutes } from './templates.ts';

/** What the admin API needs. */
export type AdminDeps = {
  repos: Pick<Repos, 'apps' | 'accounts' | 'templates' | 'crowds' | 'crowdRuns'>;
  /** Largest crowd upload (config `CROWD_MAX_BYTES`; default 100 MiB). */
  crowdMaxBytes?: number;
  /** Called after a template changed (create, update, start/pause, delete, restore). */
  onTemplateChanged?: ChangeHook;
  /** Called after an account changed (senders cache decrypted configs). */
  onAccountChanged?: ChangeHook;
  /** Tests an account at its provider (`POST /accounts/:id/test`). */
  testAccount?: (id: number) => Promise<TestResult | undefined>;
  /** The platform time zone (config `TIMEZONE`): what a cron without its own zone is read in. */
  timezone?: string;
  log?: Logger;
};

/**
 * The admin API, to mount at `/v1/admin` behind the admin auth middleware. Errors are thrown as
 * `AppError`; the host app's `errorHandler` turns them into responses. An OpenAPIHono whose
 * sub-routers are OpenAPIHono too: each `.route()` copies a sub-router's operations with its
 * prefix, so mounting this with `app.route('/v1/admin', …)` on the OpenAPIHono root puts them in
 * `/openapi.json` as `/v1/admin/apps/{id}` and so on (a plain Hono in between would drop them).
 *
 * @example
 * app.use('/v1/admin/*', auth({ adminToken }));
 * app.route('/v1/admin', adminRoutes({ repos, onTemplateChanged: (id) => publish(id) }));
 */
export function adminRoutes(deps: AdminDeps): OpenAPIHono {
  const log = deps.log ?? silentLogger;
  const admin = new OpenAPIHono();
  admin.route('/apps', appRoutes({ apps: deps.repos.apps, log }));
  admin.route(
    '/accounts',
    accountRoutes({
      accounts: deps.repos.accounts,
      log,
      ...(deps.onAccountChanged ? { onAccountChanged: deps.onAccountChanged } : {}),
      ...(deps.testAccount ? { testAccount: deps.testAccount } : {}),
    }),
  );
  admin.route('/providers', providerRoutes({ catalog }));
  admin.route(
    '/templates',
    templateRoutes({
      templates: deps.repos.templates,
      crowds: deps.repos.crowds,
      crowdRuns: deps.repos.crowdRuns,
      ...(deps.crowdMaxBytes ? { crowdMaxBytes: deps.crowdMaxBytes } : {}),
      log,
      ...(deps.onTemplateChanged ? { onTemplateChanged: deps.onTemplateChanged } : {}),
    }),
  );
  admin.route('/crowd-runs', crowdRunRoutes({ runs: deps.repos.crowdRuns }));
  admin.route('/cron', cronRoutes(deps.timezone ? { timezone: deps.timezone } : {}));
  return admin;
}
