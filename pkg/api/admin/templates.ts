import { Hono } from 'hono';
import { errors } from '../../domain/errors.ts';
import type { CrowdsRepo } from '../../store/crowds.ts';
import { templateCreateSchema, templateUpdateSchema } from '../../store/template-rules.ts';
import type { TemplatesRepo } from '../../store/templates.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { idParam, jsonBody } from '../body.ts';
import { crowdRoutes } from './crowd.ts';
import { type ChangeHook, notify, requireSomeField } from './hooks.ts';
import { listQuerySchema, parseQuery } from './query.ts';

/**
 * `/templates` admin routes, with `/:id/start`, `/:id/pause` and the crowd uploads. Every change
 * calls `onTemplateChanged(id)` so running processes drop their cached copy.
 *
 * @example admin.route('/templates', templateRoutes({ templates, crowds, log, onTemplateChanged }));
 */
export function templateRoutes(deps: {
  templates: TemplatesRepo;
  crowds: CrowdsRepo;
  log: Logger;
  onTemplateChanged?: ChangeHook;
}): Hono {
  const { templates, log } = deps;
  const changed = (id: number) => notify(log, deps.onTemplateChanged, 'template', id);
  const r = new Hono();

  r.post('/', async (c) => {
    const body = await jsonBody(c, templateCreateSchema);
    const t = await templates.create(body);
    log.info({ templateId: t.id, name: t.name, channel: t.channel }, 'template created');
    changed(t.id);
    return c.json(t, 201);
  });

  r.get('/', async (c) => {
    const q = parseQuery(c, listQuerySchema);
    return c.json(await templates.list(q));
  });

  r.get('/:id', async (c) => {
    const id = idParam(c, 'template');
    const t = await templates.get(id);
    if (!t) throw errors.notFound('template', id);
    return c.json(t);
  });

  r.patch('/:id', async (c) => {
    const id = idParam(c, 'template');
    const body = await jsonBody(c, templateUpdateSchema);
    requireSomeField(body, Object.keys(templateUpdateSchema.shape));
    const t = await templates.update(id, body);
    log.info({ templateId: id, fields: Object.keys(body) }, 'template updated');
    changed(id);
    return c.json(t);
  });

  r.delete('/:id', async (c) => {
    const id = idParam(c, 'template');
    await templates.softDelete(id);
    log.info({ templateId: id }, 'template deleted');
    changed(id);
    return c.body(null, 204);
  });

  r.post('/:id/restore', async (c) => {
    const id = idParam(c, 'template');
    const t = await templates.restore(id);
    log.info({ templateId: id }, 'template restored');
    changed(id);
    return c.json(t);
  });

  for (const [action, status] of [
    ['start', 'active'],
    ['pause', 'paused'],
  ] as const) {
    r.post(`/:id/${action}`, async (c) => {
      const id = idParam(c, 'template');
      const t = await templates.setStatus(id, status);
      log.info({ templateId: id, status }, `template ${action}`);
      changed(id);
      return c.json(t);
    });
  }

  r.route('/', crowdRoutes({ templates, crowds: deps.crowds, log }));
  return r;
}
