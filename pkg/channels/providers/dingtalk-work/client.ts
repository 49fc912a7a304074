import type { Delivery } from '../../../domain/delivery.ts';
import { callGroups, outcomesOfCalls } from '../../call-groups.ts';
import type { PendingReceipt, ProviderClient, RecallOutcome, SendOutcome } from '../../definition.ts';
import { failure, sendOfBatch } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import {
  type CallResult,
  dingtalkCall,
  failureOfThrow,
  fetchDingtalkToken,
  PATHS,
  postJson,
  taskIdOf,
} from './api.ts';
import type { DingtalkWorkConfig } from './config.ts';
import { type DingtalkWorkContent, MAX_MSG_BYTES, msgBytes, toDingtalkMsg } from './content.ts';
import { BAD_RESPONSE, DINGTALK_WORK_ERRORS, INVALID_USER, MESSAGE_TOO_LONG } from './errors.ts';
import { pullReceipts } from './receipts.ts';

/** Max userids in one asyncsend_v2 `userid_list` for an internal app (§5.2; ISV apps: 1000). */
export const DINGTALK_MAX_USERIDS = 5000;

/** The whole company: sent with `to_all_user`, never inside a `userid_list`. */
export const ALL = '@all';

/** A userid that cannot go into `userid_list`: empty, padded, or holding its `,` separator. */
const unsendable = (userId: string): boolean =>
  userId === '' || userId.trim() !== userId || userId.includes(',');

/**
 * Groups deliveries into asyncsend_v2 calls (indexes into `deliveries`): at most 5000 distinct
 * userids each. `@all` goes alone (it is `to_all_user`, not a userid), a receiver twice in one
 * batch goes into another call (one list naming someone twice reaches them once), and an
 * unsendable userid into none.
 *
 * @example useridGroups(['ann', '@all', 'bob', 'ann', 'eve,mal'].map(toDelivery)) // [[0, 2], [1], [3]]
 */
export function useridGroups(deliveries: readonly Delivery[]): number[][] {
  const keys = deliveries.map((d) => (unsendable(d.receiver) ? undefined : d.receiver));
  return callGroups(keys, { max: DINGTALK_MAX_USERIDS, alone: (k) => k === ALL }).map((g) => g.idx);
}

/**
 * The client of one DingTalk internal app (AppKey + AgentId): work notices to employees by
 * userid, up to 5000 per call or the whole company, their results pulled with getsendresult and
 * recalled per call by task id. Its access token is the kit's, shared by every handler process
 * under `dingtalk:<appKey>` and refreshed once when DingTalk calls it stale.
 *
 * @example
 * const client = createDingtalkWorkClient(dingtalkWorkConfig.parse({ appKey: 'k', appSecret: 's', agentId: 1 }), kit);
 * const [a, b] = await client.sendBatch!({ deliveries: [d1, d2], template, content: { type: 'text', text: 'Hi' } });
 * // a.providerMessageId === b.providerMessageId: the call's task_id
 */
export function createDingtalkWorkClient(
  config: DingtalkWorkConfig,
  kit: Kit,
): ProviderClient<DingtalkWorkContent> {
  const base = config.baseUrl.replace(/\/+$/, '');
  const tokenName = `dingtalk:${config.appKey}`;
  const fetchToken = () =>
    fetchDingtalkToken(kit.http, base, config.appKey, config.appSecret, config.timeoutMs);

  /** POSTs `body` (JSON text) to `path` with the shared token; a throw of the token fetch becomes its failure. */
  const call = async (path: string, body: string, opts: { sends?: boolean } = {}): Promise<CallResult> => {
    try {
      return await kit.tokens.withToken(tokenName, fetchToken, (token) =>
        dingtalkCall(
          kit.http,
          postJson(`${base}${path}`, token, body, config.timeoutMs),
          [config.appSecret, token],
          opts,
        ),
      );
    } catch (err) {
      return failureOfThrow(err, [config.appSecret]);
    }
  };

  const sendGroup = async (receivers: string[], content: DingtalkWorkContent): Promise<SendOutcome[]> => {
    const to = receivers[0] === ALL ? { to_all_user: true } : { userid_list: receivers.join(',') };
    const body = JSON.stringify({ agent_id: config.agentId, ...to, msg: toDingtalkMsg(content) });
    const r = await call(PATHS.send, body, { sends: true });
    if (!r.ok) return receivers.map(() => r);
    const taskId = taskIdOf(r.raw);
    // Accepted but unnamed: it may be on its way, and nothing could recall or trace it.
    const outcome: SendOutcome = taskId
      ? { ok: true, providerMessageId: taskId }
      : failure(DINGTALK_WORK_ERRORS, BAD_RESPONSE, 'asyncsend_v2 answered errcode 0 without task_id', {
          inDoubt: true,
        });
    return receivers.map(() => outcome);
  };

  const sendBatch: NonNullable<ProviderClient<DingtalkWorkContent>['sendBatch']> = async (req) => {
    const size = msgBytes(req.content);
    if (size > MAX_MSG_BYTES) {
      const f = failure(
        DINGTALK_WORK_ERRORS,
        MESSAGE_TOO_LONG,
        `msg is ${size} bytes, over ${MAX_MSG_BYTES}`,
      );
      return req.deliveries.map(() => f);
    }
    return outcomesOfCalls(
      req.deliveries.length,
      useridGroups(req.deliveries),
      (idx) =>
        sendGroup(
          idx.map((i) => req.deliveries[i]!.receiver),
          req.content,
        ),
      failure(DINGTALK_WORK_ERRORS, INVALID_USER, "userid is empty, padded or holds ','"),
    );
  };

  return Object.freeze({
    send: sendOfBatch(sendBatch),
    sendBatch,
    // DingTalk recalls a task: every receiver of the call loses the message (the platform
    // recalls a call's deliveries together, pkg/ingest/recall.ts).
    async recall(req): Promise<RecallOutcome> {
      if (!/^\d{1,20}$/.test(req.providerMessageId)) {
        return { ok: false, code: 'INVALID_TASK_ID', message: 'not a DingTalk task id' };
      }
      const r = await call(
        PATHS.recall,
        `{"agent_id":${config.agentId},"msg_task_id":${req.providerMessageId}}`,
      );
      return r.ok ? { ok: true } : { ok: false, code: r.code, message: r.message };
    },
    receipts: Object.freeze({
      pull: (pending: readonly PendingReceipt[]) =>
        pullReceipts({ call, agentId: config.agentId, now: kit.now }, pending),
    }),
    // A fresh gettoken, not the cached token: the point is to prove the credentials work now.
    async testConnection() {
      try {
        await fetchToken();
        return { ok: true } as const;
      } catch (err) {
        const f = failureOfThrow(err, [config.appSecret]);
        return { ok: false, code: f.code, message: f.message } as const;
      }
    },
  });
}
