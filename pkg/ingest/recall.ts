import { AppError } from '../domain/errors.ts';
import type { CancelResult, Ledger } from '../lifecycle/ledger.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/** What became of one message of a recall. */
export type RecallResult = Readonly<{
  messageId: string;
  result: CancelResult | 'recalled' | 'already_recalled' | 'recall_refused' | 'recall_unsupported';
  reason?: string;
}>;

/** A provider's answer to a recall at it (pkg/channels/operations.ts). */
export type ProviderRecall = (
  accountId: number,
  req: { messageId: string; providerMessageId: string; receiver: string },
) => Promise<{ ok: true } | { ok: false; code: string; message: string } | 'unsupported' | undefined>;

/** The refusal of a recall that would take back messages the caller did not name. */
export const RECALL_COVERS_WHOLE_REQUEST = 'RECALL_COVERS_WHOLE_REQUEST';

/**
 * Options of {@link createRecaller}.
 *
 * @example { redis, keys, ledger, atProvider: (id, req) => ops.recall(id, req), perCall: (id) => ops.recallsPerCall(id) }
 */
export type RecallerDeps = Readonly<{
  redis: Redis;
  keys: Keys;
  ledger: Ledger;
  /** Recalls a sent message at its account's provider; absent = recall only cancels what is unsent. */
  atProvider?: ProviderRecall;
  /**
   * Whether an account's provider recalls a whole call (DingTalk work notice task, WeCom msgid):
   * then the messages one call carried (all of one send request) are recalled together or not at all.
   */
  perCall?: (accountId: number) => Promise<boolean>;
  now?: () => number;
}>;

type Sent = { messageId: string; accountId: number; pm: string; rcv: string; rq: string };

/**
 * Recall: cancels what is not sent yet, and recalls what was sent at its provider where it can.
 * An app (`appId`) reaches only its own messages; the admin any. For a provider that recalls per
 * call, the messages of one call are recalled with one provider call, and only when the recall
 * names all of them (by request id, or every id): naming some answers `recall_refused` with
 * {@link RECALL_COVERS_WHOLE_REQUEST} instead of recalling the others' messages too.
 *
 * @example const recall = createRecaller(deps); await recall({ requestId: '01K…' }, appId)
 */
export function createRecaller(deps: RecallerDeps) {
  const { redis, keys, ledger } = deps;
  const now = deps.now ?? Date.now;

  /** Message ids of a request that one provider call (account + provider id) carried. */
  const siblingsOf = async (s: Sent): Promise<string[]> => {
    if (!s.rq) return [s.messageId];
    const ids = await redis.lrange(keys.request(s.rq), 0, -1);
    const recs = await Promise.all(ids.map((id) => ledger.record(id)));
    return ids.filter((_, i) => Number(recs[i]?.ac) === s.accountId && recs[i]?.pm === s.pm);
  };

  const atProvider = async (s: Sent, ids: readonly string[], appId?: number): Promise<RecallResult[]> => {
    const r = await deps.atProvider!(s.accountId, {
      messageId: s.messageId,
      providerMessageId: s.pm,
      receiver: s.rcv,
    });
    if (r === undefined || r === 'unsupported')
      return ids.map((messageId) => ({ messageId, result: 'recall_unsupported' }));
    if (!r.ok) return ids.map((messageId) => ({ messageId, result: 'recall_refused', reason: r.code }));
    return Promise.all(
      ids.map(async (messageId) => {
        const done = await ledger.recalled(messageId, 'recall', now(), appId);
        return { messageId, result: done === 'recalled' ? 'recalled' : 'already_recalled' } as const;
      }),
    );
  };

  return async function recall(
    body: { messageIds?: string[] | undefined; requestId?: string | undefined },
    appId?: number,
  ) {
    // A request retried after a failed write lists its ids twice: each is recalled once.
    const ids = [...new Set(body.messageIds ?? (await redis.lrange(keys.request(body.requestId!), 0, -1)))];
    const asked = new Set(ids);
    const results = new Map<string, RecallResult>();
    const sent: Sent[] = [];
    await Promise.all(
      ids.map(async (messageId) => {
        const result = await ledger.cancel(messageId, 'recall', now(), appId);
        if (result !== 'sent' || !deps.atProvider) return void results.set(messageId, { messageId, result });
        const rec = await ledger.record(messageId);
        const accountId = Number(rec?.ac);
        if (!rec || !accountId)
          return void results.set(messageId, { messageId, result: 'recall_unsupported' });
        sent.push({ messageId, accountId, pm: rec.pm ?? '', rcv: rec.rcv ?? '', rq: rec.rq ?? '' });
      }),
    );
    // One provider recall per call for per-call providers, one per message otherwise.
    const calls = new Map<string, Sent[]>();
    for (const s of sent) {
      const perCall = s.pm !== '' && (await deps.perCall?.(s.accountId));
      const key = perCall ? `${s.accountId}:${s.pm}` : `m:${s.messageId}`;
      calls.set(key, [...(calls.get(key) ?? []), s]);
    }
    await Promise.all(
      [...calls].map(async ([key, group]) => {
        const first = group[0]!;
        if (key.startsWith('m:')) {
          for (const r of await atProvider(first, [first.messageId], appId)) results.set(r.messageId, r);
          return;
        }
        const siblings = await siblingsOf(first);
        if (siblings.some((id) => !asked.has(id))) {
          for (const s of group) {
            results.set(s.messageId, {
              messageId: s.messageId,
              result: 'recall_refused',
              reason: RECALL_COVERS_WHOLE_REQUEST,
            });
          }
          return;
        }
        for (const r of await atProvider(first, siblings, appId)) results.set(r.messageId, r);
      }),
    );
    const list = ids.map((id) => results.get(id)!);
    // Another app's request is as unknown as one that never existed.
    if (body.requestId && list.every((r) => r.result === 'unknown')) {
      throw new AppError('REQUEST_NOT_FOUND', 404, `request ${body.requestId} does not exist or expired`);
    }
    return {
      results: list,
      cancelled: list.filter((r) => r.result === 'cancelled').length,
      recalled: list.filter((r) => r.result === 'recalled').length,
    };
  };
}
