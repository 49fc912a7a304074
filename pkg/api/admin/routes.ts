import { Hono } from 'hono';
import { catalog } from '../../channels/catalog.ts';
import type { TestResult } from '../../channels/definition.ts';
import type { Repos } from '../../store/repos.ts';
import { type Logger, silentLogger } from '../../telemetry/logger.ts';
import { accountRoutes } from './accounts.ts';
import { appRoutes } from './apps.ts';
import type { ChangeHook } from './hooks.ts';
import { providerRoutes } from './providers.ts';
import { templateRoutes } from './templates.ts';

/** What the admin API needs. */
export type AdminDeps = {
  repos: Pick<Repos, 'apps' | 'accounts' | 'templates' | 'crowds'>;
  /** Called after a template changed (create, update, start/pause, delete, restore). */
  onTemplateChanged?: ChangeHook;
  /** Called after an account changed (senders cache decrypted configs). */
  onAccountChanged?: ChangeHook;
  /** Tests an account at its provider (`POST /accounts/:id/test`). */
  testAccount?: (id: number) => Promise<TestResult | undefined>;
  log?: Logger;
};

/**
 * The admin API as a plain Hono app, to mount at `/v1/admin` behind the admin auth middleware.
 * Errors are thrown as `AppError`; the host app's `errorHandler` turns them into responses.
 *
 * @example
 * app.use('/v1/admin/*', auth({ adminToken }));
 * app.route('/v1/admin', adminRoutes({ repos, onTemplateChanged: (id) => publish(id) }));
 */
export function adminRoutes(deps: AdminDeps): Hono {
  const log = deps.log ?? silentLogger;
  const admin = new Hono();
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
      log,
      ...(deps.onTemplateChanged ? { onTemplateChanged: deps.onTemplateChanged } : {}),
    }),
  );
  return admin;
}
