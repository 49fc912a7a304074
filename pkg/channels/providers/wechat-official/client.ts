import type { ProviderClient, SendOutcome } from '../../definition.ts';
import { failure } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import { wechatApi } from '../wechat-api/client.ts';
import type { WechatConfig } from '../wechat-api/config.ts';
import { isOpenId } from '../wechat-api/data.ts';
import { INVALID_OPENID } from '../wechat-api/errors.ts';
import { templateBody, type WechatOfficialContent } from './content.ts';
import { ALREADY_SENT, WECHAT_OFFICIAL_ERRORS } from './errors.ts';

/** The template message call (§9.2). */
export const TEMPLATE_SEND_PATH = '/cgi-bin/message/template/send';

/**
 * The client of one official account: a template message per receiver (openid), its msgid the
 * providerMessageId. The stable access token is shared by every handler process through the
 * kit's token cache (see wechat-api/client.ts).
 *
 * @example
 * const client = createWechatOfficialClient(wechatConfig.parse({ appId: 'wx…', appSecret: '…' }), kit);
 * await client.send({ delivery, template, content: { templateId: 't1', data: { thing1: 'Tea' } } });
 * // { ok: true, providerMessageId: '1988810812324364291' }
 */
export function createWechatOfficialClient(
  config: WechatConfig,
  kit: Kit,
): ProviderClient<WechatOfficialContent> {
  const api = wechatApi(config, kit, WECHAT_OFFICIAL_ERRORS);
  return Object.freeze({
    async send({ delivery, content }): Promise<SendOutcome> {
      if (!isOpenId(delivery.receiver)) {
        return failure(WECHAT_OFFICIAL_ERRORS, INVALID_OPENID, 'receiver is not an openid');
      }
      const r = await api.post(TEMPLATE_SEND_PATH, templateBody(delivery.receiver, content, delivery.id), {
        sending: true,
        // A retry of a send WeChat took: the message is there (the answer names it when it can).
        accept: [ALREADY_SENT],
      });
      if (!r.ok) return r;
      return r.msgid ? { ok: true, providerMessageId: r.msgid } : { ok: true };
    },
    testConnection: api.testConnection,
  });
}
