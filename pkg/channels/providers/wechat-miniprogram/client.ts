import type { ProviderClient, SendOutcome } from '../../definition.ts';
import { failure } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import { wechatApi } from '../wechat-api/client.ts';
import type { WechatConfig } from '../wechat-api/config.ts';
import { isOpenId } from '../wechat-api/data.ts';
import { INVALID_OPENID } from '../wechat-api/errors.ts';
import { subscribeBody, type WechatMiniprogramContent } from './content.ts';
import { WECHAT_MINIPROGRAM_ERRORS } from './errors.ts';

/** The subscribe message call (§10). */
export const SUBSCRIBE_SEND_PATH = '/cgi-bin/message/subscribe/send';

/**
 * The client of one mini program: a subscribe message per receiver (an openid of the mini
 * program), its msgid (when WeChat answers one) the providerMessageId. The stable access token
 * is shared by every handler process through the kit's token cache (see wechat-api/client.ts).
 *
 * @example
 * const client = createWechatMiniprogramClient(wechatConfig.parse({ appId: 'wx…', appSecret: '…' }), kit);
 * await client.send({ delivery, template, content });
 * // { ok: true, providerMessageId: '1988810812324364291' }, or 43101 when the user has no subscription left
 */
export function createWechatMiniprogramClient(
  config: WechatConfig,
  kit: Kit,
): ProviderClient<WechatMiniprogramContent> {
  const api = wechatApi(config, kit, WECHAT_MINIPROGRAM_ERRORS);
  return Object.freeze({
    async send({ delivery, content }): Promise<SendOutcome> {
      if (!isOpenId(delivery.receiver)) {
        return failure(WECHAT_MINIPROGRAM_ERRORS, INVALID_OPENID, 'receiver is not an openid');
      }
      const r = await api.post(SUBSCRIBE_SEND_PATH, subscribeBody(delivery.receiver, content), {
        sending: true,
      });
      if (!r.ok) return r;
      return r.msgid ? { ok: true, providerMessageId: r.msgid } : { ok: true };
    },
    testConnection: api.testConnection,
  });
}
