import type { PendingReceipt, Receipt, SendFailure } from '../../definition.ts';
import { type CallResult, PATHS } from './api.ts';

/**
 * Receipts of work notices, pulled per send task (PROVIDERS.md §5.3): getsendresult lists the
 * task's userids by fate (`invalid_user_id_list`, `forbidden_user_id_list` with its reasons in
 * `forbidden_list`, `failed_user_id_list`, `read_user_id_list`, `unread_user_id_list`), and
 * getsendprogress says whether the task has finished (`progress.status` 2). DingTalk answers
 * both for tasks of the last 24 hours only. Over-limit sends are answered with success at send
 * time and show up here as forbidden, which is why the pull matters.
 */

/** Tasks queried per pull at most (the scheduler's pending page is bounded too). */
export const MAX_TASKS_PER_PULL = 50;
/** Tasks queried at once. */
const CONCURRENCY = 4;
/** getsendresult answers for tasks created in the last 24 hours only. */
export const RESULT_WINDOW_MS = 24 * 3600_000;
/** getsendprogress `status`: 0 not started, 1 in progress, 2 finished. */
const FINISHED = 2;

/** What the pull needs of the client: its token-carrying POST, the agent id and the clock. */
export type ReceiptDeps = Readonly<{
  call: (path: string, body: string) => Promise<CallResult>;
  agentId: number;
  now: () => number;
}>;

/** A userid list as DingTalk writes it: an array of strings (or numbers), or one comma-joined string. */
function idSet(v: unknown): Set<string> {
  const items = Array.isArray(v) ? v : typeof v === 'string' && v ? v.split(',') : [];
  return new Set(items.filter((x) => typeof x === 'string' || typeof x === 'number').map(String));
}

/** userid → flow-control code of `forbidden_list` (e.g. `143106`, duplicate content today). */
function forbiddenCodes(v: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of Array.isArray(v) ? v : []) {
    const r = (f && typeof f === 'object' ? f : {}) as Record<string, unknown>;
    if (typeof r.userid === 'string' && (typeof r.code === 'string' || typeof r.code === 'number')) {
      out.set(r.userid, String(r.code));
    }
  }
  return out;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Pulls the receipts of `pending` sends, one getsendresult per task (their providerMessageId is
 * the call's task_id): a receiver listed invalid, forbidden or failed → `failed` (the forbidden
 * code, `INVALID_USER` or `SEND_FAILED` as reason), read → `read`, unread → `delivered`; a
 * receiver in no list (and `@all`) → `delivered` once getsendprogress says the task finished,
 * else no receipt yet. Tasks older than 24 hours are skipped (DingTalk no longer knows them). A
 * failed query leaves its task pending for the next pull; when every query failed the pull
 * throws, so the failure is logged rather than looking like "nothing arrived".
 *
 * @example const receipts = await pullReceipts({ call, agentId: 1, now: Date.now }, [{ providerMessageId: '256271667526', receiver: 'ann', sentAt }]);
 */
export async function pullReceipts(
  deps: ReceiptDeps,
  pending: readonly PendingReceipt[],
): Promise<Receipt[]> {
  const now = deps.now();
  const tasks = new Map<string, PendingReceipt[]>();
  for (const p of pending) {
    if (!/^\d{1,20}$/.test(p.providerMessageId) || now - p.sentAt >= RESULT_WINDOW_MS) continue;
    const list = tasks.get(p.providerMessageId);
    if (list) list.push(p);
    else if (tasks.size < MAX_TASKS_PER_PULL) tasks.set(p.providerMessageId, [p]);
  }
  const receipts: Receipt[] = [];
  const failures: SendFailure[] = [];
  const receipt = (p: PendingReceipt, state: Receipt['state'], reason: string) =>
    receipts.push(
      Object.freeze({ providerMessageId: p.providerMessageId, receiver: p.receiver, state, at: now, reason }),
    );

  await eachLimited([...tasks], CONCURRENCY, async ([taskId, items]) => {
    const body = `{"agent_id":${deps.agentId},"task_id":${taskId}}`;
    const r = await deps.call(PATHS.result, body);
    if (!r.ok) {
      failures.push(r);
      return;
    }
    const sr = (
      r.answer.send_result && typeof r.answer.send_result === 'object' ? r.answer.send_result : {}
    ) as Record<string, unknown>;
    const invalid = idSet(sr.invalid_user_id_list);
    const forbidden = idSet(sr.forbidden_user_id_list);
    const why = forbiddenCodes(sr.forbidden_list);
    const failed = idSet(sr.failed_user_id_list);
    const read = idSet(sr.read_user_id_list);
    const unread = idSet(sr.unread_user_id_list);
    const open: PendingReceipt[] = [];
    for (const p of items) {
      const u = p.receiver;
      if (invalid.has(u)) receipt(p, 'failed', 'INVALID_USER');
      else if (forbidden.has(u) || why.has(u)) receipt(p, 'failed', why.get(u) ?? 'FORBIDDEN');
      else if (failed.has(u)) receipt(p, 'failed', 'SEND_FAILED');
      else if (read.has(u)) receipt(p, 'read', 'READ');
      else if (unread.has(u)) receipt(p, 'delivered', 'UNREAD');
      else open.push(p);
    }
    if (open.length === 0) return;
    const progress = await deps.call(PATHS.progress, body);
    const status = progress.ok ? Number((progress.answer.progress as { status?: unknown })?.status) : NaN;
    if (status === FINISHED) for (const p of open) receipt(p, 'delivered', 'TASK_FINISHED');
  });
  if (tasks.size > 0 && failures.length === tasks.size) {
    const f = failures[0]!;
    throw new Error(`getsendresult failed for every pending task: ${f.code} ${f.message}`);
  }
  return receipts;
}
