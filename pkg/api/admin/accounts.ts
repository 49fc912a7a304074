import { OpenAPIHono } from '@hono/zod-openapi';
import type { TestResult } from '../../channels/definition.ts';
import { AppError, errors } from '../../domain/errors.ts';
import { type AccountsRepo, accountCreateSchema, accountUpdateSchema } from '../../store/accounts.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { idParam, jsonBody } from '../body.ts';
import { throwOnInvalid } from '../openapi.ts';
import { accountRoutesSpec as spec } from './accounts-openapi.ts';
import { type ChangeHook, notify, requireSomeField } from './hooks.ts';
import { listQuerySchema, parseQuery } from './query.ts';

/**
 * `/accounts` admin routes. Answers carry configs masked (the repository's public reads); logs
 * carry ids and names only, never configs. Described in accounts-openapi.ts.
 *
 * @example admin.route('/accounts', accountRoutes({ accounts: repos.accounts, log }));
 */
export function accountRoutes(deps: {
  accounts: AccountsRepo;
  log: Logger;
  onAccountChanged?: ChangeHook;
  /** Tests an account's credentials at its provider (absent: 501). */
  testAccount?: (id: number) => Promise<TestResult | undefined>;
}): OpenAPIHono {
  const { accounts, log } = deps;
  const changed = (id: number) => notify(log, deps.onAccountChanged, 'account', id);
  const r = new OpenAPIHono({ defaultHook: throwOnInvalid });

  r.openapi(spec.create, async (c) => {
    const body = await jsonBody(c, accountCreateSchema);
    const a = await accounts.create(body);
    log.info({ accountId: a.id, name: a.name, channel: a.channel, provider: a.provider }, 'account created');
    changed(a.id);
    return c.json(a, 201);
  });

  r.openapi(spec.list, async (c) => {
    // The whole list query is checked, as on every list route (the spec names the filters of accounts).
    const q = parseQuery(c, listQuerySchema);
    return c.json(
      await accounts.list({
        page: q.page,
        pageSize: q.pageSize,
        name: q.name,
        channel: q.channel,
        includeDeleted: q.includeDeleted,
      }),
      200,
    );
  });

  r.openapi(spec.get, async (c) => {
    const id = idParam(c, 'account');
    const a = await accounts.get(id);
    if (!a) throw errors.notFound('account', id);
    return c.json(a, 200);
  });

  r.openapi(spec.update, async (c) => {
    const id = idParam(c, 'account');
    const body = await jsonBody(c, accountUpdateSchema);
    requireSomeField(body, Object.keys(accountUpdateSchema.shape));
    const a = await accounts.update(id, body);
    log.info({ accountId: id, fields: Object.keys(body) }, 'account updated');
    changed(id);
    return c.json(a, 200);
  });

  r.openapi(spec.remove, async (c) => {
    const id = idParam(c, 'account');
    await accounts.softDelete(id);
    log.info({ accountId: id }, 'account deleted');
    changed(id);
    return c.body(null, 204);
  });

  // Tests the stored credentials at the provider: 200 either way, the answer says ok or why not.
  r.openapi(spec.test, async (c) => {
    const id = idParam(c, 'account');
    if (!(await accounts.get(id))) throw errors.notFound('account', id);
    if (!deps.testAccount)
      throw new AppError('NOT_IMPLEMENTED', 501, 'connection tests are not enabled here');
    const result = await deps.testAccount(id);
    if (!result) throw errors.notFound('account', id);
    log.info({ accountId: id, ok: result.ok }, 'account connection tested');
    return c.json(result, 200);
  });

  r.openapi(spec.rotateCallbackToken, async (c) => {
    const id = idParam(c, 'account');
    const a = await accounts.rotateCallbackToken(id);
    log.info({ accountId: id }, 'account callback token rotated');
    changed(id);
    return c.json(a, 200);
  });

  r.openapi(spec.restore, async (c) => {
    const id = idParam(c, 'account');
    const a = await accounts.restore(id);
    log.info({ accountId: id }, 'account restored');
    changed(id);
    return c.json(a, 200);
  });

  return r;
}
