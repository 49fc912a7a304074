import type { HttpCore } from './http.ts';
import type {
  CrowdFile,
  CrowdRun,
  CrowdRunPage,
  CrowdUpload,
  Paged,
  SendResponse,
  Template,
  TemplateCreateBody,
  TemplateListQuery,
  TemplatePreview,
} from './types.ts';

const T = '/v1/admin/templates';

/**
 * The template, crowd and run calls of the admin client (see `createAdminClient`).
 *
 * @example const t = templateCalls(http); await t.startTemplate(3);
 */
export function templateCalls(http: HttpCore) {
  const data = async <R>(...a: Parameters<HttpCore>) => (await http<R>(...a)).data;
  return {
    /** `POST /v1/admin/templates`. */
    createTemplate: (body: TemplateCreateBody) => data<Template>('POST', T, { body }),
    /** `GET /v1/admin/templates?page=&pageSize=&name=&channel=&status=&messageType=&appId=`. */
    listTemplates: (q: TemplateListQuery = {}) => data<Paged<Template>>('GET', T, { query: { ...q } }),
    getTemplate: (id: number) => data<Template>('GET', `${T}/${id}`),
    /** `PATCH /v1/admin/templates/:id` — fields left out keep their value; the version moves. */
    updateTemplate: (id: number, patch: Partial<TemplateCreateBody>) =>
      data<Template>('PATCH', `${T}/${id}`, { body: patch }),
    deleteTemplate: async (id: number): Promise<void> => {
      await http('DELETE', `${T}/${id}`);
    },
    restoreTemplate: (id: number) => data<Template>('POST', `${T}/${id}/restore`),
    /** `POST /v1/admin/templates/:id/start` — sends and cron runs allowed again. */
    startTemplate: (id: number) => data<Template>('POST', `${T}/${id}/start`),
    /** `POST /v1/admin/templates/:id/pause` — sends answer 409, cron runs stop between chunks. */
    pauseTemplate: (id: number) => data<Template>('POST', `${T}/${id}/pause`),
    /** `POST /v1/admin/templates/:id/preview` — rendered and checked as a send would be. */
    previewTemplate: (id: number, variables: Record<string, unknown> = {}) =>
      data<TemplatePreview>('POST', `${T}/${id}/preview`, { body: { variables } }),
    /** `POST /v1/admin/templates/preview` — unsaved content (an editor's live preview). */
    previewDraft: (draft: { channel: string; content: unknown; variables?: Record<string, unknown> }) =>
      data<TemplatePreview>('POST', `${T}/preview`, { body: { variables: {}, ...draft } }),
    /** `POST /v1/admin/templates/:id/test` — one real send to one receiver, as the owning app. */
    testSendTemplate: (id: number, body: { receiver: string; variables?: Record<string, unknown> }) =>
      data<SendResponse>('POST', `${T}/${id}/test`, { body }),
    /**
     * `POST /v1/admin/templates/:id/crowd` — a CSV (header row with `receiver` and the
     * placeholders' columns) as `text/csv`; `skipInvalid` stores the good rows and lists the rest.
     */
    uploadCrowd: (
      templateId: number,
      csv: string | Uint8Array,
      o: { filename?: string; skipInvalid?: boolean } = {},
    ) =>
      data<CrowdUpload>('POST', `${T}/${templateId}/crowd`, {
        raw: { body: csv, contentType: 'text/csv; charset=utf-8' },
        query: { filename: o.filename, skipInvalid: o.skipInvalid },
      }),
    /** `GET /v1/admin/templates/:id/crowd` — newest first (the newest is what runs send to). */
    listCrowds: (templateId: number) => data<Paged<CrowdFile>>('GET', `${T}/${templateId}/crowd`),
    deleteCrowd: async (templateId: number, crowdId: number): Promise<void> => {
      await http('DELETE', `${T}/${templateId}/crowd/${crowdId}`);
    },
    /** `GET /v1/admin/templates/:id/runs?limit=&before=` — cron runs, newest first. */
    templateRuns: (templateId: number, q: { limit?: number; before?: number } = {}) =>
      data<CrowdRunPage>('GET', `${T}/${templateId}/runs`, { query: { ...q } }),
    /** `GET /v1/admin/crowd-runs/:id` — one run's status and progress. */
    crowdRun: (runId: number) => data<CrowdRun>('GET', `/v1/admin/crowd-runs/${runId}`),
  };
}
