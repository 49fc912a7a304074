import { Hono } from 'hono';
import { errors } from '../../domain/errors.ts';
import { type AppsRepo, appCreateSchema, appUpdateSchema } from '../../store/apps.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { idParam, jsonBody } from '../body.ts';
import { requireSomeField } from './hooks.ts';
import { listQuerySchema, parseQuery } from './query.ts';

/**
 * `/apps` admin routes. The API key is in the answer of create and rotate-key only; the callback
 * signing secret (`callbackSecret`) only in the answer that first set a callback URL and in that
 * of `callback-secret/rotate`. Logs never carry keys, secrets or callback URLs (they may hold
 * tokens), only whether callbacks are on.
 *
 * @example admin.route('/apps', appRoutes({ apps: repos.apps, log }));
 */
export function appRoutes(deps: { apps: AppsRepo; log: Logger }): Hono {
  const { apps, log } = deps;
  const r = new Hono();

  r.post('/', async (c) => {
    const body = await jsonBody(c, appCreateSchema);
    const { app, apiKey, callbackSecret } = await apps.create(body);
    log.info({ appId: app.id, name: app.name, callbacks: app.callbackUrl !== null }, 'app created');
    return c.json({ ...app, apiKey, ...(callbackSecret ? { callbackSecret } : {}) }, 201);
  });

  r.get('/', async (c) => {
    const q = parseQuery(c, listQuerySchema);
    return c.json(
      await apps.list({ page: q.page, pageSize: q.pageSize, name: q.name, includeDeleted: q.includeDeleted }),
    );
  });

  r.get('/:id', async (c) => {
    const id = idParam(c, 'app');
    const app = await apps.get(id);
    if (!app) throw errors.notFound('app', id);
    return c.json(app);
  });

  r.patch('/:id', async (c) => {
    const id = idParam(c, 'app');
    const body = await jsonBody(c, appUpdateSchema);
    requireSomeField(body, Object.keys(appUpdateSchema.shape));
    const { app, callbackSecret } = await apps.update(id, body);
    log.info({ appId: id, callbacks: app.callbackUrl !== null }, 'app updated');
    return c.json({ ...app, ...(callbackSecret ? { callbackSecret } : {}) });
  });

  r.delete('/:id', async (c) => {
    const id = idParam(c, 'app');
    await apps.softDelete(id);
    log.info({ appId: id }, 'app deleted');
    return c.body(null, 204);
  });

  r.post('/:id/restore', async (c) => {
    const id = idParam(c, 'app');
    const app = await apps.restore(id);
    log.info({ appId: id }, 'app restored');
    return c.json(app);
  });

  r.post('/:id/rotate-key', async (c) => {
    const id = idParam(c, 'app');
    const apiKey = await apps.rotateKey(id);
    log.info({ appId: id }, 'app key rotated');
    const app = await apps.get(id);
    return c.json({ ...app, apiKey });
  });

  r.post('/:id/callback-secret/rotate', async (c) => {
    const id = idParam(c, 'app');
    const callbackSecret = await apps.rotateCallbackSecret(id);
    log.info({ appId: id }, 'app callback secret rotated');
    const app = await apps.get(id);
    return c.json({ ...app, callbackSecret });
  });

  return r;
}
