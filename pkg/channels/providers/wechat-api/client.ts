import { type ErrorTable, failure, type TestResult } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import { type CallResult, failureOfThrow, fetchStableToken, wechatCall } from './api.ts';
import type { WechatConfig } from './config.ts';

/**
 * The name of an account's token in the kit's cache (one per AppID).
 *
 * @example tokenNameOf('wx1234567890abcdef') // 'wechat:wx1234567890abcdef'
 */
export const tokenNameOf = (appId: string): string => `wechat:${appId}`;

/**
 * The API of one WeChat account (official account or mini program) with its stable access
 * token shared through the kit's token cache by every handler process: `post` calls a path with
 * the token, and when WeChat calls the token stale (40001/40014/41001/42001) the cache makes one
 * refresh for the fleet and the call is made once more. `40001` is also WeChat's "wrong
 * AppSecret" (§9.3): when it comes back after that fresh token, it is the credentials, and the
 * outcome is `account` instead of another token round. `testConnection` fetches a fresh token
 * (normal mode, so it invalidates nothing) to prove the AppID and AppSecret now.
 *
 * @example
 * const api = wechatApi(config, kit, WECHAT_OFFICIAL_ERRORS);
 * const r = await api.post('/cgi-bin/message/template/send', { touser, template_id, data }, { sending: true });
 * if (r.ok) r.msgid // '1988810812324364291'
 */
export function wechatApi(config: WechatConfig, kit: Kit, table: ErrorTable) {
  const base = config.baseUrl.replace(/\/+$/, '');
  const tokenName = tokenNameOf(config.appId);
  const fetchToken = () => fetchStableToken(kit, config, table);

  return Object.freeze({
    /** POSTs `json` to `path` with the shared token; never throws. */
    async post(
      path: string,
      json: unknown,
      opts: { sending?: boolean; accept?: readonly string[] } = {},
    ): Promise<CallResult> {
      let attempt = 0;
      try {
        return await kit.tokens.withToken(tokenName, fetchToken, async (token) => {
          attempt++;
          const r = await wechatCall(
            kit.http,
            {
              method: 'POST',
              url: `${base}${path}?access_token=${encodeURIComponent(token)}`,
              json,
              timeoutMs: config.timeoutMs,
            },
            {
              table,
              secrets: [config.appSecret, token],
              now: kit.now,
              sending: opts.sending ?? false,
              accept: opts.accept ?? [],
            },
          );
          if (!r.ok && r.code === '40001' && attempt > 1) {
            return failure({}, r.code, `${r.message} (again with a fresh token)`, {
              fallback: 'account',
            });
          }
          return r;
        });
      } catch (err) {
        return failureOfThrow(err, [config.appSecret], table);
      }
    },
    // A fresh stable_token, not the cached token: the point is to prove the credentials work now.
    async testConnection(): Promise<TestResult> {
      try {
        await fetchToken();
        return { ok: true };
      } catch (err) {
        const f = failureOfThrow(err, [config.appSecret], table);
        return { ok: false, code: f.code, message: f.message };
      }
    },
  });
}

/** The API of one account (see {@link wechatApi}). */
export type WechatApi = ReturnType<typeof wechatApi>;
