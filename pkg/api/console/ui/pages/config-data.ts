// The live config as GET /v1/admin/config answers it (pkg/pipeline/live-config-schema.ts), and
// how the Config page writes it: PUT the whole, PATCH one section, always as actor "console".
import { ApiError, api } from '../api.ts';

/** The live config in force, defaults filled in. */
export type LiveConfig = {
  discardTemplateIds: number[];
  whitelist: { enabled: boolean; receivers: string[] };
  dedup: { contentWindowSec: number; frequency: { limit: number; per: 'day' | 'window'; windowSec: number } };
  quietHours: { start: string; end: string; timezone: string };
  concurrency: Record<string, number>;
  rateLimits: Record<string, { rate: number; burst: number }>;
  routing: Record<string, { accountId: number; weight: number }[]>;
  sensitiveWords: { words: string[] };
};

/** Who the audit names for changes made here (the API's `X-Actor`). */
export const ACTOR = { 'x-actor': 'console' };

/** Replaces the whole config (PUT) or the sections given (PATCH); answers the config in force. */
export const saveConfig = (method: 'PUT' | 'PATCH', body: Partial<LiveConfig>) =>
  api<LiveConfig>('/v1/admin/config', { method, body, headers: ACTOR });

/** One named problem of a 422 (`details` of VALIDATION_FAILED). */
export type Issue = { path: string; message: string };

/** The field-named issues of a refused write, or none for any other error. */
export function issuesOf(err: unknown): Issue[] {
  if (!(err instanceof ApiError) || err.status !== 422 || !Array.isArray(err.details)) return [];
  return err.details.filter(
    (d): d is Issue => typeof d === 'object' && d !== null && 'path' in d && 'message' in d,
  );
}
