import { failure, type ProviderClient, type SendOutcome, type TestResult } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import { type CallResult, createAlipayApi } from './api.ts';
import type { AlipayMiniprogramConfig } from './config.ts';
import { type AlipayMiniprogramContent, bizContentOf } from './content.ts';
import { ALIPAY_MINIPROGRAM_ERRORS, INVALID_RECEIVER } from './errors.ts';

/** The send method: subscription (and template) messages to one user (PROVIDERS.md §10b.1). */
export const SEND_METHOD = 'alipay.open.app.mini.templatemessage.send';

/**
 * The read-only method `testConnection` calls: the mini program's subscription templates, one
 * per page. It proves the app id, the app key (Alipay checks the request signature first) and the
 * Alipay public key (its answer must verify), and sends nothing to anyone.
 */
export const TEST_METHOD = 'alipay.open.mini.message.template.batchquery';
/** `biz_type` `sub_msg`: the only type the query takes (SDK model comment ◐). */
const TEST_BIZ = JSON.stringify({ biz_type: 'sub_msg', page_num: 1, page_size: '1' });

/** A call's failure as an outcome (without the gateway code kept for testConnection). */
const outcomeOf = (r: CallResult): SendOutcome => {
  if (r.ok) return { ok: true };
  const { gatewayCode: _, signed: __, ...f } = r;
  return Object.freeze(f);
};

/**
 * The client of one Alipay mini program: one subscription message per call to a user by its
 * 2088… user id (`to_user_id`) or its open id (`to_open_id`). Alipay answers no message id and
 * documents no receipt or recall, so a success carries none.
 *
 * @example
 * const client = createAlipayMiniprogramClient(alipayMiniprogramConfig.parse({ appId, privateKey, alipayPublicKey }), kit);
 * await client.send({ delivery, template, content: { userTemplateId: 'T1', data: { keyword1: '已发货' } } });
 */
export function createAlipayMiniprogramClient(
  config: AlipayMiniprogramConfig,
  kit: Kit,
): ProviderClient<AlipayMiniprogramContent> {
  const api = createAlipayApi(config, kit);
  return Object.freeze({
    async send(req): Promise<SendOutcome> {
      const biz = bizContentOf(req.delivery.receiver, req.content);
      if (biz === undefined) {
        return failure(
          ALIPAY_MINIPROGRAM_ERRORS,
          INVALID_RECEIVER,
          'not an Alipay user id (2088…) or open id',
        );
      }
      return outcomeOf(await api.call(SEND_METHOD, biz, { sends: true }));
    },
    async testConnection(): Promise<TestResult> {
      const r = await api.call(TEST_METHOD, TEST_BIZ);
      // A signed business refusal (40004, e.g. no template yet) still proves every credential.
      if (r.ok || (r.gatewayCode === '40004' && r.signed)) return { ok: true };
      return { ok: false, code: r.code, message: r.message };
    },
  });
}
