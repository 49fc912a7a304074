import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { runView } from '../../crowds/schemas.ts';
import { uploadCrowd } from '../../crowds/upload.ts';
import { fileName, openUploadBody, type UploadBody } from '../../crowds/upload-body.ts';
import { AppError, errors } from '../../domain/errors.ts';
import type { CrowdRunsRepo } from '../../store/crowd-runs.ts';
import type { CrowdFile, CrowdsRepo } from '../../store/crowds.ts';
import type { TemplatesRepo } from '../../store/templates.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { idParam, jsonBody } from '../body.ts';
import { throwOnInvalid } from '../openapi.ts';
import { crowdSpec } from './crowd-openapi.ts';

/** Default largest crowd upload (config `CROWD_MAX_BYTES`). */
export const DEFAULT_CROWD_MAX_BYTES = 100 * 1024 * 1024;
/** A JSON upload `{ filename, csv }` is read whole: it is for small crowds. */
const MAX_JSON_UPLOAD = 16 * 1024 * 1024;
/** Room for multipart boundaries and headers around the file itself. */
const FORM_OVERHEAD = 64 * 1024;

export type CrowdRoutesDeps = {
  templates: Pick<TemplatesRepo, 'get'>;
  crowds: CrowdsRepo;
  /** Run records; without them the run routes answer 501. */
  runs?: CrowdRunsRepo;
  /** Largest upload (default {@link DEFAULT_CROWD_MAX_BYTES}). */
  maxBytes?: number;
  log: Logger;
};

const fileView = (f: CrowdFile) => ({
  id: f.id,
  templateId: f.templateId,
  filename: f.filename,
  rows: f.rowCount,
  chunks: f.chunkCount,
  rejected: f.rejectedCount,
  bytes: f.byteCount,
  columns: f.columns,
  createdAt: f.createdAt,
});

const tooLarge = (max: number) =>
  new AppError('PAYLOAD_TOO_LARGE', 413, `the crowd file is larger than ${max} bytes (CROWD_MAX_BYTES)`);

/** A JSON upload `{ filename, csv }`, as a one-piece body. */
async function jsonUpload(c: Context): Promise<UploadBody> {
  const v = await jsonBody(
    c,
    z.object({ filename: z.string().max(1024).optional(), csv: z.string().min(1) }),
    MAX_JSON_UPLOAD,
  );
  const bytes = new TextEncoder().encode(v.csv);
  const body = (async function* () {
    yield bytes;
  })();
  return { filename: fileName(v.filename), body, drain: async () => undefined };
}

/**
 * Crowd files and cron runs of a template, as OpenAPI routes relative to the templates router
 * (mount at `/v1/admin/templates`, or `templates.route('/', …)`): `POST|GET /:id/crowd`,
 * `DELETE /:id/crowd/:crowdId`, `GET /:id/runs`. The upload streams: it must be exempt from the
 * app's JSON body limit, and is held to `maxBytes` (config `CROWD_MAX_BYTES`) here.
 *
 * @example templates.route('/', crowdRoutes({ templates, crowds, runs, maxBytes: config.crowdMaxBytes, log }));
 */
export function crowdRoutes(deps: CrowdRoutesDeps): OpenAPIHono {
  const { templates, crowds, log } = deps;
  const maxBytes = deps.maxBytes ?? DEFAULT_CROWD_MAX_BYTES;
  const app = new OpenAPIHono({ defaultHook: throwOnInvalid });
  const template = async (c: Context) => {
    const tid = idParam(c, 'template');
    const t = await templates.get(tid);
    if (!t) throw errors.notFound('template', tid);
    return t;
  };

  app.openapi(crowdSpec.upload, async (c) => {
    const t = await template(c);
    const q = c.req.valid('query');
    if (Number(c.req.header('content-length') ?? '0') > maxBytes + FORM_OVERHEAD) {
      c.header('Connection', 'close');
      throw tooLarge(maxBytes);
    }
    const isJson = (c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json');
    const up = isJson
      ? await jsonUpload(c)
      : await openUploadBody(c.req.raw, { maxBytes, filename: q.filename });
    if (!up) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        415,
        'send the crowd as text/csv (name in ?filename=), as multipart/form-data (a file part) or as JSON {"filename", "csv"}',
      );
    }
    const started = Date.now();
    try {
      const r = await uploadCrowd(
        { crowds },
        {
          template: t,
          filename: up.filename,
          body: up.body,
          maxBytes,
          skipInvalid: ['true', '1'].includes(q.skipInvalid ?? ''),
        },
      );
      log.info(
        {
          templateId: t.id,
          crowdId: r.file.id,
          rows: r.file.rowCount,
          bytes: r.file.byteCount,
          skipped: r.problemCount,
          ms: Date.now() - started,
        },
        'crowd saved',
      );
      const listed = r.problemCount ? { errorCount: r.problemCount, errors: r.problems } : {};
      return c.json({ ...fileView(r.file), ...listed }, 201);
    } catch (e) {
      // A client still sending gets the answer after its last byte; past the limit it is cut off.
      if (e instanceof AppError && e.status === 413) c.header('Connection', 'close');
      else await up.drain();
      throw e;
    }
  });

  app.openapi(crowdSpec.list, async (c) => {
    const t = await template(c);
    const items = (await crowds.listByTemplate(t.id)).map(fileView);
    return c.json({ items, total: items.length }, 200);
  });

  app.openapi(crowdSpec.remove, async (c) => {
    const t = await template(c);
    const crowdId = idParam(c, 'crowd', 'crowdId');
    const f = await crowds.getMeta(crowdId);
    if (f?.templateId !== t.id || f.status !== 'complete') throw errors.notFound('crowd', crowdId);
    await crowds.delete(crowdId);
    log.info({ templateId: t.id, crowdId }, 'crowd deleted');
    return c.body(null, 204);
  });

  app.openapi(crowdSpec.runs, async (c) => {
    const t = await template(c);
    if (!deps.runs) throw new AppError('NOT_IMPLEMENTED', 501, 'run records are not enabled in this process');
    const q = c.req.valid('query');
    const { items, total } = await deps.runs.listByTemplate(t.id, q);
    const last = items.at(-1);
    const next = items.length === (q.limit ?? 20) && last ? last.id : null;
    return c.json({ items: items.map(runView), total, next }, 200);
  });

  return app;
}

/**
 * One cron run by id, relative to where it is mounted (`/v1/admin/crowd-runs`): `GET /:id`
 * with its status, counts, progress and reason — what the console polls for its progress bar.
 *
 * @example admin.route('/crowd-runs', crowdRunRoutes({ runs: repos.crowdRuns }));
 */
export function crowdRunRoutes(deps: { runs: Pick<CrowdRunsRepo, 'get'> }): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: throwOnInvalid });
  app.openapi(crowdSpec.run, async (c) => {
    const rid = idParam(c, 'crowd_run');
    const run = await deps.runs.get(rid);
    if (!run) throw errors.notFound('crowd_run', rid);
    return c.json(runView(run), 200);
  });
  return app;
}
