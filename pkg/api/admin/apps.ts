import { OpenAPIHono } from '@hono/zod-openapi';
import { errors } from '../../domain/errors.ts';
import { type AppsRepo, appCreateSchema, appUpdateSchema } from '../../store/apps.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { idParam, jsonBody } from '../body.ts';
import { throwOnInvalid } from '../openapi.ts';
import { appRoutesSpec as spec } from './apps-openapi.ts';
import { requireSomeField } from './hooks.ts';
import { listQuerySchema, parseQuery } from './query.ts';

/**
 * `/apps` admin routes. The API key is in the answer of create and rotate-key only; the callback
 * signing secret (`callbackSecret`) only in the answer that first set a callback URL and in that
 * of `callback-secret/rotate`. Logs never carry keys, secrets or callback URLs (they may hold
 * tokens), only whether callbacks are on. Described in apps-openapi.ts.
 *
 * @example admin.route('/apps', appRoutes({ apps: repos.apps, log }));
 */
export function appRoutes(deps: { apps: AppsRepo; log: Logger }): OpenAPIHono {
  const { apps, log } = deps;
  const r = new OpenAPIHono({ defaultHook: throwOnInvalid });
  const mustGet = async (id: number) => {
    const app = await apps.get(id);
    if (!app) throw errors.notFound('app', id);
    return app;
  };

  r.openapi(spec.create, async (c) => {
    const body = await jsonBody(c, appCreateSchema);
    const { app, apiKey, callbackSecret } = await apps.create(body);
    log.info({ appId: app.id, name: app.name, callbacks: app.callbackUrl !== null }, 'app created');
    return c.json({ ...app, apiKey, ...(callbackSecret ? { callbackSecret } : {}) }, 201);
  });

  r.openapi(spec.list, async (c) => {
    // The whole list query is checked, as on every list route (the spec names the filters of apps).
    const q = parseQuery(c, listQuerySchema);
    return c.json(
      await apps.list({ page: q.page, pageSize: q.pageSize, name: q.name, includeDeleted: q.includeDeleted }),
      200,
    );
  });

  r.openapi(spec.get, async (c) => c.json(await mustGet(idParam(c, 'app')), 200));

  r.openapi(spec.update, async (c) => {
    const id = idParam(c, 'app');
    const body = await jsonBody(c, appUpdateSchema);
    requireSomeField(body, Object.keys(appUpdateSchema.shape));
    const { app, callbackSecret } = await apps.update(id, body);
    log.info({ appId: id, callbacks: app.callbackUrl !== null }, 'app updated');
    return c.json({ ...app, ...(callbackSecret ? { callbackSecret } : {}) }, 200);
  });

  r.openapi(spec.remove, async (c) => {
    const id = idParam(c, 'app');
    await apps.softDelete(id);
    log.info({ appId: id }, 'app deleted');
    return c.body(null, 204);
  });

  r.openapi(spec.restore, async (c) => {
    const id = idParam(c, 'app');
    const app = await apps.restore(id);
    log.info({ appId: id }, 'app restored');
    return c.json(app, 200);
  });

  r.openapi(spec.rotateKey, async (c) => {
    const id = idParam(c, 'app');
    const apiKey = await apps.rotateKey(id);
    log.info({ appId: id }, 'app key rotated');
    return c.json({ ...(await mustGet(id)), apiKey }, 200);
  });

  r.openapi(spec.rotateCallbackSecret, async (c) => {
    const id = idParam(c, 'app');
    const callbackSecret = await apps.rotateCallbackSecret(id);
    log.info({ appId: id }, 'app callback secret rotated');
    return c.json({ ...(await mustGet(id)), callbackSecret }, 200);
  });

  return r;
}
