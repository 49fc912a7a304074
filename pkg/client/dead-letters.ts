import type { HttpCore } from './http.ts';
import type { DeadLetterDetail, DeadLetterPage, DeadLetterQuery, DeadLetterReplay } from './types.ts';

/**
 * The dead-letter calls under `base`: `/v1/admin/dead-letters` with the admin token (every
 * app's), `/v1/dead-letters` with an app key (that app's own only).
 *
 * @example const dl = deadLetterCalls(http, '/v1/dead-letters'); const { items, next } = await dl.deadLetters({ route: 'email.notice' });
 */
export function deadLetterCalls(http: HttpCore, base: string) {
  const at = (id: string) => `${base}/${encodeURIComponent(id)}`;
  return {
    /** `GET …/dead-letters` — newest first; pass `next` back as `cursor` for the following page. */
    deadLetters: async (q: DeadLetterQuery = {}): Promise<DeadLetterPage> =>
      (await http<DeadLetterPage>('GET', base, { query: { ...q } })).data,
    /** `GET …/dead-letters/:id` — one in full. */
    deadLetter: async (id: string): Promise<DeadLetterDetail> =>
      (await http<DeadLetterDetail>('GET', at(id))).data,
    /** `POST …/dead-letters/replay` — back to their streams with a fresh attempt budget. */
    replayDeadLetters: async (body: DeadLetterReplay): Promise<{ replayed: number }> =>
      (await http<{ replayed: number }>('POST', `${base}/replay`, { body })).data,
    /** `DELETE …/dead-letters/:id` — discarded for good. */
    discardDeadLetter: async (id: string): Promise<void> => {
      await http('DELETE', at(id));
    },
  };
}
