import { z } from 'zod';
import { keywordData, templateId, toWechatData } from '../wechat-api/data.ts';

/**
 * The content of a mini program subscribe message (PROVIDERS.md §10): the subscribe template,
 * its keyword values, the page a tap opens, which build of the mini program it opens and the
 * language of "open the mini program". Keyword values and the page may hold placeholders.
 */

/** Builds a tap may open: development, trial, or the released one (WeChat's default). */
export const MINIPROGRAM_STATES = ['developer', 'trial', 'formal'] as const;
/** Languages of the "enter the mini program" line (WeChat's default `zh_CN`). */
export const MINIPROGRAM_LANGS = ['zh_CN', 'en_US', 'zh_HK', 'zh_TW'] as const;

/**
 * A WeChat mini program subscribe message. `miniprogramState` and `lang` are always sent (the
 * current sendMessage page lists both as required), with WeChat's own defaults.
 *
 * @example
 * wechatMiniprogramContent.parse({ templateId: 'vZiztnFZqPuRrh7haFyJODqQ6LTtsmXviPAJdS-tjyE',
 *   data: { thing4: '{$item}', phrase2: '已发货' }, page: 'pages/order/index?id={$order}' })
 * // { …, miniprogramState: 'formal', lang: 'zh_CN' }
 */
export const wechatMiniprogramContent = z
  .object({
    templateId,
    data: keywordData,
    /** A page of this mini program, query allowed (`index?foo=bar`); no page: the card opens nothing. */
    page: z
      .string()
      .trim()
      .max(1024)
      .regex(/^\S+$/, 'a page path such as pages/index/index?foo=bar')
      .optional(),
    miniprogramState: z.enum(MINIPROGRAM_STATES).default('formal'),
    lang: z.enum(MINIPROGRAM_LANGS).default('zh_CN'),
  })
  .strict();

export type WechatMiniprogramContent = z.output<typeof wechatMiniprogramContent>;

/**
 * The body of a `message/subscribe/send` call to `openid`.
 *
 * @example
 * subscribeBody('oz-Ls6wmxaADf0fECrS_D7Pg7rX0', { templateId: 't1', data: { thing1: 'Tea' }, miniprogramState: 'formal', lang: 'zh_CN' })
 * // { touser: 'oz-L…', template_id: 't1', data: { thing1: { value: 'Tea' } }, miniprogram_state: 'formal', lang: 'zh_CN' }
 */
export function subscribeBody(openid: string, content: WechatMiniprogramContent): Record<string, unknown> {
  return {
    touser: openid,
    template_id: content.templateId,
    ...(content.page ? { page: content.page } : {}),
    data: toWechatData(content.data),
    miniprogram_state: content.miniprogramState,
    lang: content.lang,
  };
}
