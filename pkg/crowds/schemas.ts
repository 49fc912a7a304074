import { z } from '@hono/zod-openapi';
import type { CrowdRun } from '../store/crowd-runs.ts';

/**
 * OpenAPI schemas of the crowd routes (pkg/api/admin/crowd.ts) and the run view they answer.
 *
 * @example responses: { 200: { description: 'Run', content: { 'application/json': { schema: crowdRunSchema } } } }
 */
export const crowdFileSchema = z
  .object({
    id: z.number().int(),
    templateId: z.number().int(),
    filename: z.string(),
    rows: z.number().int().openapi({ description: 'Rows stored' }),
    chunks: z.number().int(),
    rejected: z.number().int().openapi({ description: 'Rows left out (skipInvalid)' }),
    bytes: z.number().int(),
    columns: z.array(z.string()).openapi({ description: 'Variable columns' }),
    createdAt: z.number().int().openapi({ description: 'ms since epoch' }),
  })
  .openapi('CrowdFile');

export const crowdProblemSchema = z
  .object({ line: z.number().int(), column: z.string().nullable(), message: z.string() })
  .openapi('CrowdProblem');

export const crowdUploadSchema = crowdFileSchema
  .extend({
    errorCount: z.number().int().optional(),
    errors: z.array(crowdProblemSchema).optional().openapi({ description: 'Rows left out, first 100' }),
  })
  .openapi('CrowdUpload');

export const crowdListSchema = z.object({ items: z.array(crowdFileSchema), total: z.number().int() });

export const crowdRunSchema = z
  .object({
    id: z.number().int(),
    templateId: z.number().int(),
    runAt: z.number().int().openapi({ description: 'The cron time of the run, ms since epoch' }),
    fileId: z.number().int().nullable(),
    appId: z.number().int().nullable().openapi({ description: 'The app its messages belong to' }),
    status: z.enum(['running', 'done', 'failed']),
    reason: z.string().nullable().openapi({ description: 'Why it stopped, waits, or sent nothing' }),
    rowsTotal: z.number().int(),
    rowsRead: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    skipped: z.number().int(),
    chunksTotal: z.number().int(),
    chunksDone: z.number().int(),
    progress: z.number().openapi({ description: 'rowsRead / rowsTotal, 0…1' }),
    rejections: z.array(z.object({ line: z.number().int(), message: z.string() })),
    startedAt: z.number().int(),
    updatedAt: z.number().int(),
    finishedAt: z.number().int().nullable(),
  })
  .openapi('CrowdRun');

export const crowdRunListSchema = z.object({
  items: z.array(crowdRunSchema),
  total: z.number().int(),
  next: z.number().int().nullable().openapi({ description: '`before` of the next page; null at the end' }),
});

/**
 * A run as the API shows it: the record plus `progress` (for the console's bar).
 *
 * @example runView(run).progress // 0.25 after 250 of 1,000 rows
 */
export const runView = (r: CrowdRun) => ({
  ...r,
  progress: r.rowsTotal > 0 ? Math.min(1, r.rowsRead / r.rowsTotal) : r.status === 'running' ? 0 : 1,
});
