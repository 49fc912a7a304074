import { OpenAPIHono } from '@hono/zod-openapi';
import { errors } from '../../domain/errors.ts';
import { contentPlaceholders, renderContent } from '../../domain/render.ts';
import type { CrowdRunsRepo } from '../../store/crowd-runs.ts';
import type { CrowdsRepo } from '../../store/crowds.ts';
import { templateCreateSchema, templateUpdateSchema } from '../../store/template-rules.ts';
import type { TemplatesRepo } from '../../store/templates.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { idParam, jsonBody } from '../body.ts';
import { throwOnInvalid } from '../openapi.ts';
import { crowdRoutes } from './crowd.ts';
import { type ChangeHook, notify, requireSomeField } from './hooks.ts';
import { parseQuery } from './query.ts';
import {
  draftPreviewBody,
  previewBody,
  templateRoutesSpec as spec,
  templateListQuery,
} from './templates-openapi.ts';

/** What a preview answers: the rendered content and every placeholder it uses. */
const preview = (content: unknown, variables: Record<string, unknown>) => ({
  content: renderContent(content, variables),
  placeholders: contentPlaceholders(content),
});

/**
 * `/templates` admin routes: CRUD, `/:id/start`, `/:id/pause`, previews with sample variables
 * and the crowd uploads (the test send is served next to the send API: test-send.ts). Every change calls
 * `onTemplateChanged(id)` so running processes drop their cached copy. Described in
 * templates-openapi.ts.
 *
 * @example admin.route('/templates', templateRoutes({ templates, crowds, log, onTemplateChanged }));
 */
export function templateRoutes(deps: {
  templates: TemplatesRepo;
  crowds: CrowdsRepo;
  /** Run records of the crowd runs (`GET /:id/runs`). */
  crowdRuns?: CrowdRunsRepo;
  /** Largest crowd upload (config `CROWD_MAX_BYTES`). */
  crowdMaxBytes?: number;
  log: Logger;
  onTemplateChanged?: ChangeHook;
}): OpenAPIHono {
  const { templates, log } = deps;
  const changed = (id: number) => notify(log, deps.onTemplateChanged, 'template', id);
  const mustGet = async (id: number) => {
    const t = await templates.get(id);
    if (!t) throw errors.notFound('template', id);
    return t;
  };
  const r = new OpenAPIHono({ defaultHook: throwOnInvalid });

  r.openapi(spec.create, async (c) => {
    const body = await jsonBody(c, templateCreateSchema);
    const t = await templates.create(body);
    log.info({ templateId: t.id, name: t.name, channel: t.channel, appId: t.appId }, 'template created');
    changed(t.id);
    return c.json(t, 201);
  });

  r.openapi(spec.list, async (c) => {
    const q = parseQuery(c, templateListQuery);
    return c.json(await templates.list(q), 200);
  });

  // Registered before `/{id}` routes so `preview` is never taken for an id.
  r.openapi(spec.previewDraft, async (c) => {
    const body = await jsonBody(c, draftPreviewBody);
    return c.json(preview(body.content, body.variables), 200);
  });

  r.openapi(spec.get, async (c) => c.json(await mustGet(idParam(c, 'template')), 200));

  r.openapi(spec.update, async (c) => {
    const id = idParam(c, 'template');
    const body = await jsonBody(c, templateUpdateSchema);
    requireSomeField(body, Object.keys(templateUpdateSchema.shape));
    const t = await templates.update(id, body);
    log.info({ templateId: id, fields: Object.keys(body), version: t.version }, 'template updated');
    changed(id);
    return c.json(t, 200);
  });

  r.openapi(spec.remove, async (c) => {
    const id = idParam(c, 'template');
    await templates.softDelete(id);
    log.info({ templateId: id }, 'template deleted');
    changed(id);
    return c.body(null, 204);
  });

  r.openapi(spec.restore, async (c) => {
    const id = idParam(c, 'template');
    const t = await templates.restore(id);
    log.info({ templateId: id }, 'template restored');
    changed(id);
    return c.json(t, 200);
  });

  for (const [route, status] of [
    [spec.start, 'active'],
    [spec.pause, 'paused'],
  ] as const) {
    r.openapi(route, async (c) => {
      const id = idParam(c, 'template');
      const t = await templates.setStatus(id, status);
      log.info({ templateId: id, status }, status === 'active' ? 'template started' : 'template paused');
      changed(id);
      return c.json(t, 200);
    });
  }

  r.openapi(spec.preview, async (c) => {
    const t = await mustGet(idParam(c, 'template'));
    const body = await jsonBody(c, previewBody);
    return c.json(preview(t.content, body.variables), 200);
  });

  r.route(
    '/',
    crowdRoutes({
      templates,
      crowds: deps.crowds,
      log,
      ...(deps.crowdRuns ? { runs: deps.crowdRuns } : {}),
      ...(deps.crowdMaxBytes ? { maxBytes: deps.crowdMaxBytes } : {}),
    }),
  );
  return r;
}
