import { randomBytes } from 'node:crypto';
import type { Delivery } from '../../../domain/delivery.ts';
import { callGroups } from '../../call-groups.ts';
import { failure, type ProviderClient, type SendOutcome, sendOfBatch } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import { type CallResult, failureOfThrow, fetchGetuiToken, getuiCall } from './api.ts';
import type { GetuiConfig } from './config.ts';
import type { PushContent } from './content.ts';
import {
  BAD_CONTENT,
  BAD_RESPONSE,
  CID_IGNORED,
  CID_NOT_PUSHED,
  GETUI_ERRORS,
  INVALID_CID,
} from './errors.ts';
import { type GetuiMessage, toGetuiMessage } from './message.ts';

/**
 * Max cids in one `POST /push/list/cid` (◐ 1000: GeTui's toList section as DCloud's uni-push,
 * built on it, documents `push_clientid`: "数组长度不大于1000"; PROVIDERS.md §11.3 had ❓ 1000).
 */
export const GETUI_MAX_LIST_CIDS = 1000;

/** What a cid can look like: GeTui's are 32 hex characters (◐); anything not alphanumeric is not one. */
const CID = /^[A-Za-z0-9]{1,64}$/;

/**
 * A `request_id` for one push call: 10–32 characters and never used before (§11.3: GeTui drops
 * a push whose request_id it has seen). The delivery id leads it for tracing; the random tail
 * makes every call unique, also a retry after a refreshed token.
 *
 * @example newRequestId('01KAQ5Z3M8X2B7C9D0E1F2G3H4') // '01KAQ5Z3M8X2B7C9D0E1' + 12 hex characters
 */
export function newRequestId(seed: string): string {
  return seed.replace(/[^A-Za-z0-9]/g, '').slice(0, 20) + randomBytes(6).toString('hex');
}

/**
 * Groups deliveries into push calls (indexes into `deliveries`): at most 1000 distinct cids each
 * (GeTui refuses a list naming a cid twice: 20001 "contains duplicate cid"), a cid seen again in
 * the batch going into another call, and a receiver that cannot be a cid into none.
 *
 * @example cidGroups(['c1', 'c2', 'c1', 'bad id'].map(toDelivery)) // [[0, 1], [2]]
 */
export function cidGroups(deliveries: readonly Delivery[]): number[][] {
  const keys = deliveries.map((d) => (CID.test(d.receiver) ? d.receiver : undefined));
  return callGroups(keys, { max: GETUI_MAX_LIST_CIDS }).map((g) => g.idx);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The per-cid map of a push answer (`data: { "<taskid>": { "<cid>": status } }`) and its taskid. */
function resultsOf(data: unknown, taskid?: string): { taskid?: string; status: (cid: string) => unknown } {
  const entries = isObject(data) ? Object.entries(data).filter(([, v]) => isObject(v)) : [];
  const hit = taskid !== undefined ? entries.find(([k]) => k === taskid) : entries[0];
  const map = (hit?.[1] ?? {}) as Record<string, unknown>;
  return {
    ...((taskid ?? hit?.[0]) ? { taskid: taskid ?? hit?.[0] } : {}),
    status: (cid) => (Object.hasOwn(map, cid) ? map[cid] : undefined),
  };
}

/** The outcome of GeTui's status for one cid (`successed_online` / `_offline` = sent). */
function outcomeOf(status: unknown, taskid: string | undefined): SendOutcome {
  if (status === CID_IGNORED) {
    return failure(GETUI_ERRORS, CID_IGNORED, 'not sent: the device has been inactive for 90 days');
  }
  if (typeof status === 'string' && status.startsWith('successed')) {
    return taskid ? Object.freeze({ ok: true as const, providerMessageId: taskid }) : { ok: true };
  }
  return failure(
    GETUI_ERRORS,
    CID_NOT_PUSHED,
    typeof status === 'string'
      ? `GeTui answered "${status.slice(0, 80)}" for the cid`
      : 'GeTui did not push to the cid (not a user of the app?)',
  );
}

/**
 * The client of one GeTui app: a notification to one cid by single push, to many by list push
 * (one message, then its taskid pushed to up to 1000 cids); `providerMessageId` is the taskid.
 * The token is the kit's, shared by every handler process under `getui:<appId>:<appKey>` and
 * refreshed once when GeTui calls it stale (10001).
 *
 * @example
 * const client = createGetuiClient(getuiConfig.parse({ appId, appKey, masterSecret }), kit);
 * const [a, b] = await client.sendBatch!({ deliveries: [d1, d2], template, content });
 * // a: { ok: true, providerMessageId: 'RASL_0723_8fd9…' }
 */
export function createGetuiClient(config: GetuiConfig, kit: Kit): ProviderClient<PushContent> {
  const base = config.baseUrl;
  const tokenName = `getui:${config.appId}:${config.appKey}`;
  const fetchToken = () => fetchGetuiToken(kit, config);

  /** POSTs the body `build` makes (per try: a fresh request_id) with the shared token. */
  const call = async (path: string, build: () => unknown, pushes: boolean): Promise<CallResult> => {
    try {
      return await kit.tokens.withToken(tokenName, fetchToken, (token) =>
        getuiCall(
          kit,
          { url: `${base}${path}`, headers: { token }, json: build(), timeoutMs: config.timeoutMs },
          { secrets: [config.masterSecret, token], pushes },
        ),
      );
    } catch (err) {
      return failureOfThrow(err, [config.masterSecret]);
    }
  };

  const sendSingle = async (d: Delivery, msg: GetuiMessage): Promise<SendOutcome> => {
    const r = await call(
      '/push/single/cid',
      () => ({ request_id: newRequestId(d.id), audience: { cid: [d.receiver] }, ...msg }),
      true,
    );
    if (!r.ok) return r;
    const res = resultsOf(r.answer.data);
    return outcomeOf(res.status(d.receiver), res.taskid);
  };

  const sendList = async (ds: readonly Delivery[], msg: GetuiMessage): Promise<SendOutcome[]> => {
    const created = await call(
      '/push/list/message',
      () => ({ request_id: newRequestId(ds[0]!.id), ...msg }),
      false,
    );
    if (!created.ok) return ds.map(() => created);
    const taskid = isObject(created.answer.data) ? created.answer.data.taskid : undefined;
    if (typeof taskid !== 'string' || taskid === '') {
      const f = failure(GETUI_ERRORS, BAD_RESPONSE, 'push/list/message answered no taskid', {
        inDoubt: false,
      });
      return ds.map(() => f);
    }
    const cids = ds.map((d) => d.receiver);
    const r = await call(
      '/push/list/cid',
      () => ({ audience: { cid: cids }, taskid, is_async: false }),
      true,
    );
    if (!r.ok) return ds.map(() => r);
    const res = resultsOf(r.answer.data, taskid);
    return cids.map((cid) => outcomeOf(res.status(cid), taskid));
  };

  const sendBatch: NonNullable<ProviderClient<PushContent>['sendBatch']> = async (req) => {
    const msg = toGetuiMessage(req.content);
    if (!msg) {
      const f = failure(GETUI_ERRORS, BAD_CONTENT, 'the badge did not render to a count');
      return req.deliveries.map(() => f);
    }
    const outcomes: SendOutcome[] = new Array(req.deliveries.length);
    await Promise.all(
      cidGroups(req.deliveries).map(async (idx) => {
        const ds = idx.map((i) => req.deliveries[i]!);
        // One cid needs no message of its own: a single push is one call instead of two.
        const got = ds.length === 1 ? [await sendSingle(ds[0]!, msg)] : await sendList(ds, msg);
        idx.forEach((i, j) => {
          outcomes[i] = got[j]!;
        });
      }),
    );
    // Whatever no group took is a receiver that cannot be a cid.
    for (let i = 0; i < outcomes.length; i++) {
      outcomes[i] ??= failure(GETUI_ERRORS, INVALID_CID, 'not a GeTui cid (letters and digits only)');
    }
    return outcomes;
  };

  return Object.freeze({
    send: sendOfBatch(sendBatch),
    sendBatch,
    // A fresh auth, not the cached token: the point is to prove the credentials work now.
    async testConnection() {
      try {
        await fetchToken();
        return { ok: true } as const;
      } catch (err) {
        const f = failureOfThrow(err, [config.masterSecret]);
        return { ok: false, code: f.code, message: f.message } as const;
      }
    },
  });
}
