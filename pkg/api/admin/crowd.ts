import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError, errors } from '../../domain/errors.ts';
import { type LineError, parseCrowdCsv } from '../../store/crowd-csv.ts';
import type { CrowdsRepo } from '../../store/crowds.ts';
import type { TemplatesRepo } from '../../store/templates.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { idParam, jsonBody } from '../body.ts';

/** Largest CSV upload (the stored crowd must fit a MEDIUMTEXT). */
export const MAX_CSV_BYTES = 10 * 1024 * 1024;
/** Line errors listed in an answer; the count is always complete. */
const MAX_LISTED_ERRORS = 100;

const jsonUpload = z.object({
  filename: z.string().trim().min(1).max(255).optional(),
  csv: z.string().min(1),
});

const filenameOf = (raw: string | undefined): string => (raw?.trim() || 'crowd.csv').slice(0, 255);

/** The CSV text and file name of an upload: `text/csv` body (`?filename=`) or JSON `{filename, csv}`. */
async function readUpload(c: Context): Promise<{ filename: string; csv: string }> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    const body = await jsonBody(c, jsonUpload, MAX_CSV_BYTES * 2);
    return { filename: filenameOf(body.filename), csv: body.csv };
  }
  if (type === 'text/csv' || type === 'text/plain' || type === 'application/csv') {
    if (Number(c.req.header('content-length') ?? '0') > MAX_CSV_BYTES) throw tooLarge();
    const csv = await c.req.text();
    if (Buffer.byteLength(csv) > MAX_CSV_BYTES) throw tooLarge();
    return { filename: filenameOf(c.req.query('filename')), csv };
  }
  throw new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    415,
    'send the crowd as text/csv (file name in ?filename=) or as JSON {"filename", "csv"}',
  );
}

const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', 413, `CSV larger than ${MAX_CSV_BYTES} bytes`);

const lineErrors = (errs: LineError[]) => ({
  errorCount: errs.length,
  errors: errs.slice(0, MAX_LISTED_ERRORS),
});

/**
 * Crowd uploads of a template: `POST /:id/crowd` (201 `{ id, templateId, filename, rows }`),
 * `GET /:id/crowd`, `DELETE /:id/crowd/:crowdId`. Any bad line rejects the file (422 with the
 * line errors) unless `?skipInvalid=true`, which stores the good rows and lists the rest.
 *
 * @example templatesRouter.route('/', crowdRoutes({ templates, crowds, log }));
 */
export function crowdRoutes(deps: { templates: TemplatesRepo; crowds: CrowdsRepo; log: Logger }): Hono {
  const { templates, crowds, log } = deps;
  const r = new Hono();

  r.post('/:id/crowd', async (c) => {
    const id = idParam(c, 'template');
    const template = await templates.get(id);
    if (!template) throw errors.notFound('template', id);
    const { filename, csv } = await readUpload(c);
    const skipInvalid = ['true', '1'].includes(c.req.query('skipInvalid') ?? '');
    const parsed = parseCrowdCsv(csv, { channel: template.channel });
    if (parsed.rows.length === 0 || (parsed.errors.length > 0 && !skipInvalid)) {
      const first = parsed.errors[0];
      throw new AppError(
        'CROWD_INVALID',
        422,
        first ? `crowd file rejected: line ${first.line}: ${first.message}` : 'crowd file has no valid rows',
        lineErrors(parsed.errors),
      );
    }
    const f = await crowds.save({ templateId: id, filename, rows: parsed.rows });
    log.info(
      { templateId: id, crowdId: f.id, rows: f.rowCount, skipped: parsed.errors.length },
      'crowd saved',
    );
    return c.json(
      {
        id: f.id,
        templateId: id,
        filename: f.filename,
        rows: f.rowCount,
        createdAt: f.createdAt,
        ...(parsed.errors.length ? lineErrors(parsed.errors) : {}),
      },
      201,
    );
  });

  r.get('/:id/crowd', async (c) => {
    const id = idParam(c, 'template');
    if (!(await templates.get(id))) throw errors.notFound('template', id);
    const items = await crowds.listByTemplate(id);
    return c.json({ items, total: items.length });
  });

  r.delete('/:id/crowd/:crowdId', async (c) => {
    const id = idParam(c, 'template');
    const crowdId = idParam(c, 'crowd', 'crowdId');
    const f = await crowds.getMeta(crowdId);
    if (!f || f.templateId !== id) throw errors.notFound('crowd', crowdId);
    await crowds.delete(crowdId);
    log.info({ templateId: id, crowdId }, 'crowd deleted');
    return c.body(null, 204);
  });

  return r;
}
