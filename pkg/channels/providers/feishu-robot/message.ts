import { failure, type SendFailure } from '../../definition.ts';
import type { FeishuRobotContent, PostLocale, PostNode } from './content.ts';
import { FEISHU_ROBOT_ERRORS, MENTION_UNSUPPORTED } from './errors.ts';

/**
 * The webhook body of a (rendered) content with the post's mentions in it (PROVIDERS.md §8.3 and
 * the guide's 如何实现 @ 指定人、@ 所有人): in text an `<at user_id="…"></at>` per person after
 * the text, in a post a last paragraph of `at` nodes in every language, in a card a last markdown
 * element of `<at id=…></at>`. `all` stands for everyone in each form.
 */

/** A post's mentions, as `mentionsOf` (pkg/channels/group-post.ts) reads them. */
export type Mentions = Readonly<{ all: boolean; ids: readonly string[] }>;

/** The message part of a webhook body (the signature fields go beside it). */
export type FeishuBody = Readonly<{ msg_type: string } & Record<string, unknown>>;

/** What a content came to: the body to post, or why it cannot be posted. */
export type BuiltBody = Readonly<{ ok: true; body: FeishuBody }> | SendFailure;

/**
 * An open_id (`ou_…`) or a tenant's user_id (letters, digits, `_ . -`; tenants may use employee
 * numbers, so digits alone are a user_id too). Phone numbers (`+86…`) and emails are not: custom
 * bots cannot look people up (the guide: 自定义机器人本身不能…通过用户的邮箱、手机号来 @ 人).
 */
const FEISHU_ID = /^[A-Za-z0-9_.-]{1,64}$/;

const unsupported = (why: string): SendFailure => failure(FEISHU_ROBOT_ERRORS, MENTION_UNSUPPORTED, why);

/** Who is mentioned, as Feishu writes it (`all` first), without repeats. */
const targets = (m: Mentions): string[] => [...new Set([...(m.all ? ['all'] : []), ...m.ids])];

const textAt = (id: string) => `<at user_id="${id}"></at>`;
const cardAt = (id: string) => `<at id=${id}></at>`;

function withTextMentions(text: string, ids: readonly string[]): string {
  // A mention the template already makes is not made twice.
  const add = ids.filter((id) => !text.includes(`user_id="${id}"`));
  return add.length ? `${text} ${add.map(textAt).join(' ')}` : text;
}

function withPostMentions(locale: PostLocale, ids: readonly string[]): PostLocale {
  if (!ids.length) return locale;
  const line: PostNode[] = ids.map((user_id) => ({ tag: 'at', user_id }));
  return { ...locale, content: [...locale.content, line] };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A card with a last element mentioning `ids`: a markdown element in a schema 2.0 card
 * (`body.elements`), a `lark_md` div in a 1.0 card (`elements`); undefined for a card of another
 * form (a template card, `i18n_elements`), which the platform cannot write into.
 */
function withCardMentions(card: Record<string, unknown>, ids: readonly string[]): unknown {
  if (!ids.length) return card;
  const content = ids.map(cardAt).join(' ');
  const body = card.body;
  if (card.schema === '2.0' && isRecord(body) && Array.isArray(body.elements)) {
    return { ...card, body: { ...body, elements: [...body.elements, { tag: 'markdown', content }] } };
  }
  if (card.schema === undefined && Array.isArray(card.elements)) {
    return { ...card, elements: [...card.elements, { tag: 'div', text: { tag: 'lark_md', content } }] };
  }
  return undefined;
}

/**
 * The body of `content` mentioning `mentions`.
 *
 * @example feishuBody({ type: 'text', text: 'Deploy done' }, { all: false, ids: ['ou_1'] })
 * // { ok: true, body: { msg_type: 'text', content: { text: 'Deploy done <at user_id="ou_1"></at>' } } }
 * @example feishuBody({ type: 'image', image_key: 'img_1' }, { all: true, ids: [] }).ok // false (MENTION_UNSUPPORTED)
 */
export function feishuBody(content: FeishuRobotContent, mentions: Mentions): BuiltBody {
  const ids = targets(mentions);
  const bad = ids.find((id) => !FEISHU_ID.test(id));
  if (bad !== undefined) {
    return unsupported(
      `cannot mention ${bad.startsWith('+') ? 'a phone number' : bad.includes('@') ? 'an email address' : 'that id'}: Feishu custom bots mention by open_id or user_id only`,
    );
  }
  switch (content.type) {
    case 'text':
      return ok({ msg_type: 'text', content: { text: withTextMentions(content.text, ids) } });
    case 'post': {
      const post: Record<string, PostLocale> = {};
      if (content.zh_cn) post.zh_cn = withPostMentions(content.zh_cn, ids);
      if (content.en_us) post.en_us = withPostMentions(content.en_us, ids);
      return ok({ msg_type: 'post', content: { post } });
    }
    case 'interactive': {
      const card = withCardMentions(content.card, ids);
      if (card === undefined) {
        return unsupported('this card has no elements list to add mentions to; write <at id=…> in the card');
      }
      // A card goes at the top level as `card`, not inside `content` (§8.3).
      return ok({ msg_type: 'interactive', card });
    }
    case 'image':
      if (ids.length) return unsupported('an image message carries no mentions');
      return ok({ msg_type: 'image', content: { image_key: content.image_key } });
    case 'share_chat':
      if (ids.length) return unsupported('a group card message carries no mentions');
      return ok({ msg_type: 'share_chat', content: { share_chat_id: content.share_chat_id } });
  }
}

const ok = (body: FeishuBody): BuiltBody => Object.freeze({ ok: true as const, body });
