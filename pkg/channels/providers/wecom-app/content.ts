import { z } from 'zod';

/**
 * The content of a WeCom app message template (PROVIDERS.md §7.2; field limits from the
 * message/send page, document 90236). WeCom silently truncates over-long fields, so limits are
 * checked here instead: a template that would reach people cut short is refused when saved, and
 * a rendered message that grew past a limit fails as a bad message rather than arriving mangled.
 * Limits counted in bytes are UTF-8 bytes, as WeCom counts them.
 */

/** A required string of at most `max` UTF-8 bytes (`maxLength` in the JSON Schema is a hint). */
const bytes = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => Buffer.byteLength(s, 'utf8') <= max, { message: `at most ${max} bytes (UTF-8)` });

const url = bytes(2048);

const textMessage = z.object({ type: z.literal('text'), text: bytes(2048) }).strict();

const markdownMessage = z.object({ type: z.literal('markdown'), text: bytes(2048) }).strict();

const textcardMessage = z
  .object({
    type: z.literal('textcard'),
    title: bytes(128),
    description: bytes(512),
    url,
    /** Button label, "详情" when absent; WeCom shows at most 4 characters. */
    btntxt: z.string().min(1).max(4).optional(),
  })
  .strict();

const article = z
  .object({
    title: bytes(128),
    description: bytes(512).optional(),
    url: url.optional(),
    picurl: url.optional(),
    /** A mini program to open instead of `url`. */
    appid: z.string().min(1).max(64).optional(),
    pagepath: z.string().min(1).max(512).optional(),
  })
  .strict()
  .refine((a) => Boolean(a.url || a.appid), { message: 'an article needs url or appid', path: ['url'] });

const newsMessage = z.object({ type: z.literal('news'), articles: z.array(article).min(1).max(8) }).strict();

/** Card types of `template_card` app messages (document 90236, 模板卡片消息). */
export const CARD_TYPES = [
  'text_notice',
  'news_notice',
  'button_interaction',
  'vote_interaction',
  'multiple_interaction',
] as const;

/** A template card is passed through as written (its layout rules are WeCom's to check). */
const templateCardMessage = z
  .object({
    type: z.literal('template_card'),
    card: z.looseObject({ card_type: z.enum(CARD_TYPES) }),
  })
  .strict();

const message = z.discriminatedUnion('type', [
  textMessage,
  markdownMessage,
  textcardMessage,
  newsMessage,
  templateCardMessage,
]);

/**
 * WeCom app message content: `{ "text": "…" }` is shorthand for a text message; every other
 * message names its `type`.
 *
 * @example wecomAppContent.parse({ text: 'Hello {$name}' }) // { type: 'text', text: 'Hello {$name}' }
 * @example wecomAppContent.parse({ type: 'textcard', title: 'Order', description: 'shipped', url: 'https://x.test/o/1' })
 */
export const wecomAppContent = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { type: 'text', ...v } : v),
  message,
);

export type WecomAppContent = z.output<typeof message>;

/** The message part of a message/send body: `msgtype` and its object. */
export type WecomMessageBody = { msgtype: string } & Record<string, unknown>;

/**
 * The message/send fields of a (rendered) content.
 *
 * @example toWecomMessage({ type: 'text', text: 'Hi' }) // { msgtype: 'text', text: { content: 'Hi' } }
 */
export function toWecomMessage(c: WecomAppContent): WecomMessageBody {
  switch (c.type) {
    case 'text':
      return { msgtype: 'text', text: { content: c.text } };
    case 'markdown':
      return { msgtype: 'markdown', markdown: { content: c.text } };
    case 'textcard': {
      const { type: _, ...card } = c;
      return { msgtype: 'textcard', textcard: card };
    }
    case 'news':
      return { msgtype: 'news', news: { articles: c.articles } };
    case 'template_card':
      return { msgtype: 'template_card', template_card: c.card };
  }
}
