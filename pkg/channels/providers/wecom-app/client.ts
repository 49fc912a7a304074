import type { Delivery } from '../../../domain/delivery.ts';
import { callGroups, outcomesOfCalls } from '../../call-groups.ts';
import type { ProviderClient, RecallOutcome, SendOutcome } from '../../definition.ts';
import { failure, sendOfBatch } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import { type CallResult, failureOfThrow, fetchWecomToken, wecomCall } from './api.ts';
import type { WecomAppConfig } from './config.ts';
import { toWecomMessage, type WecomAppContent } from './content.ts';
import { INVALID_USER, UNLICENSED_USER, WECOM_APP_ERRORS } from './errors.ts';

/** Max userids in one message/send `touser` (§7.2). */
export const WECOM_MAX_TOUSER = 1000;

/** WeCom's "everyone in the app's visible range" receiver. */
const ALL = '@all';

/** WeCom userids are case-insensitive: answers may list them in another case than we sent. */
const norm = (userId: string): string => userId.toLowerCase();

const idSet = (list: unknown): Set<string> =>
  new Set(typeof list === 'string' && list ? list.split('|').map(norm) : []);

/** A userid that cannot be put in `touser`: empty, or holding the `|` separator (it would name others). */
const unsendable = (userId: string): boolean => userId === '' || userId.includes('|');

/**
 * Groups deliveries into message/send calls (indexes into `deliveries`): at most 1000 distinct
 * receivers each. `@all` goes alone (WeCom reads it only as the whole `touser`), a receiver twice
 * in one batch goes into another call (one `touser` naming someone twice reaches them once), and
 * an unsendable userid into none.
 *
 * @example touserGroups(['ann', '@all', 'bob', 'ANN'].map(toDelivery)) // [[0, 2], [1], [3]]
 */
export function touserGroups(deliveries: readonly Delivery[]): number[][] {
  const keys = deliveries.map((d) => (unsendable(d.receiver) ? undefined : norm(d.receiver)));
  return callGroups(keys, { max: WECOM_MAX_TOUSER, alone: (k) => k === norm(ALL) }).map((g) => g.idx);
}

/**
 * The client of one WeCom app (corp id + agent id): app messages to members by userid, many per
 * call, recall by msgid. Its access token is the kit's, shared by every handler process under
 * `wecom:<corpId>:<agentId>` and refreshed once when WeCom calls it stale.
 *
 * @example
 * const client = createWecomAppClient(wecomAppConfig.parse({ corpId: 'ww1', corpSecret: 's', agentId: 1000002 }), kit);
 * const [a, b] = await client.sendBatch!({ deliveries: [d1, d2], template, content: { type: 'text', text: 'Hi' } });
 */
export function createWecomAppClient(config: WecomAppConfig, kit: Kit): ProviderClient<WecomAppContent> {
  const base = config.baseUrl.replace(/\/+$/, '');
  const tokenName = `wecom:${config.corpId}:${config.agentId}`;
  const fetchToken = () => fetchWecomToken(kit.http, base, config.corpId, config.corpSecret);

  /** POSTs `json` to `path` with the shared token; a throw of the token fetch becomes its failure. */
  const call = async (path: string, json: unknown): Promise<CallResult> => {
    try {
      return await kit.tokens.withToken(tokenName, fetchToken, (token) =>
        wecomCall(
          kit.http,
          { method: 'POST', url: `${base}${path}?access_token=${encodeURIComponent(token)}`, json },
          [config.corpSecret, token],
        ),
      );
    } catch (err) {
      return failureOfThrow(err, [config.corpSecret]);
    }
  };

  const sendGroup = async (receivers: string[], content: WecomAppContent): Promise<SendOutcome[]> => {
    const r = await call('/cgi-bin/message/send', {
      touser: receivers.join('|'),
      agentid: config.agentId,
      ...toWecomMessage(content),
      // The platform de-duplicates itself; WeCom's check would silently drop a deliberate resend.
      enable_duplicate_check: 0,
    });
    if (!r.ok) return receivers.map(() => r);
    const invalid = idSet(r.answer.invaliduser);
    const unlicensed = idSet(r.answer.unlicenseduser);
    const msgid = typeof r.answer.msgid === 'string' && r.answer.msgid ? r.answer.msgid : undefined;
    return receivers.map((rcv): SendOutcome => {
      if (invalid.has(norm(rcv))) {
        return failure(WECOM_APP_ERRORS, INVALID_USER, 'not a member visible to the app');
      }
      if (unlicensed.has(norm(rcv))) {
        return failure(WECOM_APP_ERRORS, UNLICENSED_USER, 'member has no API licence');
      }
      return msgid ? { ok: true, providerMessageId: msgid } : { ok: true };
    });
  };

  const sendBatch: NonNullable<ProviderClient<WecomAppContent>['sendBatch']> = async (req) => {
    return outcomesOfCalls(
      req.deliveries.length,
      touserGroups(req.deliveries),
      (idx) =>
        sendGroup(
          idx.map((i) => req.deliveries[i]!.receiver),
          req.content,
        ),
      failure(WECOM_APP_ERRORS, INVALID_USER, "userid is empty or holds '|'"),
    );
  };

  return Object.freeze({
    send: sendOfBatch(sendBatch),
    sendBatch,
    // WeCom recalls per msgid: recalling one delivery of a batch recalls the whole batch's message.
    async recall(req): Promise<RecallOutcome> {
      const r = await call('/cgi-bin/message/recall', { msgid: req.providerMessageId });
      return r.ok ? { ok: true } : { ok: false, code: r.code, message: r.message };
    },
    // A fresh gettoken, not the cached token: the point is to prove the credentials work now.
    async testConnection() {
      try {
        await fetchToken();
        return { ok: true } as const;
      } catch (err) {
        const f = failureOfThrow(err, [config.corpSecret]);
        return { ok: false, code: f.code, message: f.message } as const;
      }
    },
  });
}
