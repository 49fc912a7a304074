import { z } from 'zod';
import { keywordData, templateId, toWechatData } from '../wechat-api/data.ts';

/**
 * The content of an official-account template message (PROVIDERS.md §9.2): the template, its
 * keyword values, and where a tap leads — a web page (`url`) or a page of a mini program bound
 * to the account (`miniprogram`, which WeChat prefers when both are given). Keyword values and
 * the links may hold placeholders.
 */

/** An http(s) link (placeholders allowed; WeChat checks the rendered one). */
const link = z
  .string()
  .trim()
  .max(2048)
  .regex(/^https?:\/\/\S+$/i, 'an http(s) URL');

/**
 * A WeChat official-account template message.
 *
 * @example
 * wechatOfficialContent.parse({ templateId: 'ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY',
 *   data: { thing1: '{$item}', amount2: '¥{$total}' }, url: 'https://shop.example.com/o/{$order}' })
 */
export const wechatOfficialContent = z
  .object({
    templateId,
    data: keywordData,
    url: link.optional(),
    miniprogram: z
      .object({
        appid: z
          .string()
          .trim()
          .regex(/^wx[0-9a-f]{16}$/i, 'a mini program AppID such as wx1234567890abcdef'),
        /** A page of the mini program, e.g. `index?foo=bar` (its home page when absent). */
        pagepath: z.string().trim().min(1).max(1024).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type WechatOfficialContent = z.output<typeof wechatOfficialContent>;

/**
 * The body of a `message/template/send` call to `openid`. `client_msg_id` is WeChat's
 * idempotency key (one message per openid and id within 10 minutes): our delivery id, so a
 * retry of a send that timed out after WeChat took it cannot reach the user twice.
 *
 * @example
 * templateBody('oaFOWwc1VAlw7l2sNJRzBvOjmcA8', { templateId: 't1', data: { thing1: 'Tea' } }, '01KAQ…')
 * // { touser: 'oaFO…', template_id: 't1', client_msg_id: '01KAQ…', data: { thing1: { value: 'Tea' } } }
 */
export function templateBody(
  openid: string,
  content: WechatOfficialContent,
  clientMsgId: string,
): Record<string, unknown> {
  return {
    touser: openid,
    template_id: content.templateId,
    ...(content.url ? { url: content.url } : {}),
    ...(content.miniprogram ? { miniprogram: { ...content.miniprogram } } : {}),
    client_msg_id: clientMsgId,
    data: toWechatData(content.data),
  };
}
